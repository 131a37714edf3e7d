using System;
using System.Collections.Generic;

namespace Example
{
    /// <summary>
    /// An error answer of the API, typed by its <c>type</c>: catch the subclass you handle
    /// (<see cref="ResourceNotFoundException"/>, <see cref="InvalidRequestException"/>, ...) or this one.
    /// <see cref="Error"/> is the whole error object (code, param, doc_url, request id).
    /// </summary>
    public class ApiException : Exception
    {
        public ApiException(string message, int statusCode, ErrorDetail error, ApiResponse response)
            : base(message)
        {
            StatusCode = statusCode;
            Error = error ?? new ErrorDetail();
            Response = response;
        }

        public int StatusCode { get; }
        public ErrorDetail Error { get; }
        public ApiResponse Response { get; }

        public ErrorType Type { get { return Error.Type; } }
        public ErrorCode Code { get { return Error.Code; } }
        /// <summary>The code as sent, also when this SDK does not know it (Code is then Unknown).</summary>
        public string CodeName { get { return Error["code"] as string; } }
        public string Param { get { return Error.Param; } }
        public string DocUrl { get { return Error.DocUrl; } }
        public string RequestId { get { return Error.RequestId ?? (Response == null ? null : Response.RequestId); } }
        public string RequestLogUrl { get { return Error.RequestLogUrl; } }

        internal static ApiException Create(ApiResponse response)
        {
            ErrorDetail detail = null;
            try
            {
                var tree = Json.Parse(response.Body) as Dictionary<string, object>;
                object error;
                if (tree != null && tree.TryGetValue("error", out error)) detail = Json.Bind<ErrorDetail>(error);
            }
            catch (JsonException)
            {
                // not JSON (a proxy's HTML page): still a typed error, by status
            }
            detail = detail ?? new ErrorDetail { Raw = new Dictionary<string, object>() };
            string message = (detail.Message ?? ("HTTP " + response.StatusCode)) + (detail.RequestId != null ? " (request " + detail.RequestId + ")" : "");
            int s = response.StatusCode;
            switch (detail.Type)
            {
                case ErrorType.AuthenticationError: return new AuthenticationException(message, s, detail, response);
                case ErrorType.PermissionError: return new PermissionException(message, s, detail, response);
                case ErrorType.InvalidRequestError: return new InvalidRequestException(message, s, detail, response);
                case ErrorType.IdempotencyError: return new IdempotencyException(message, s, detail, response);
                case ErrorType.ResourceNotFound: return new ResourceNotFoundException(message, s, detail, response);
                case ErrorType.ConflictError: return new ConflictException(message, s, detail, response);
                case ErrorType.RateLimitError: return new RateLimitException(message, s, detail, response);
                case ErrorType.TimeoutError: return new ApiTimeoutException(message, s, detail, response);
                case ErrorType.ApiError: return new ApiServerException(message, s, detail, response);
            }
            if (s == 401) return new AuthenticationException(message, s, detail, response);
            if (s == 403) return new PermissionException(message, s, detail, response);
            if (s == 404) return new ResourceNotFoundException(message, s, detail, response);
            if (s == 409 || s == 412) return new ConflictException(message, s, detail, response);
            if (s == 429) return new RateLimitException(message, s, detail, response);
            if (s >= 500) return new ApiServerException(message, s, detail, response);
            return new ApiException(message, s, detail, response);
        }
    }

    public class AuthenticationException : ApiException
    {
        public AuthenticationException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    public class PermissionException : ApiException
    {
        public PermissionException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    public class InvalidRequestException : ApiException
    {
        public InvalidRequestException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    public class IdempotencyException : ApiException
    {
        public IdempotencyException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    public class ResourceNotFoundException : ApiException
    {
        public ResourceNotFoundException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    /// <summary>409 (a conflict, an idempotency key in use, a resource not ready) and 412 (If-Match).</summary>
    public class ConflictException : ApiException
    {
        public ConflictException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    public class RateLimitException : ApiException
    {
        public RateLimitException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    public class ApiTimeoutException : ApiException
    {
        public ApiTimeoutException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    /// <summary>5xx: the API failed; retried automatically before it reaches you.</summary>
    public class ApiServerException : ApiException
    {
        public ApiServerException(string m, int s, ErrorDetail e, ApiResponse r) : base(m, s, e, r) { }
    }

    /// <summary>No answer at all (refused, reset, timed out), after the retries.</summary>
    public class ApiConnectionException : Exception
    {
        public ApiConnectionException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A webhook delivery that is not authentic or not fresh.</summary>
    public class SignatureVerificationException : Exception
    {
        public SignatureVerificationException(string message) : base(message) { }
    }
}
