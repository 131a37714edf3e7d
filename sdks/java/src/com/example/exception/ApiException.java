package com.example.exception;

import java.util.Collections;
import java.util.Map;

/**
 * An error object answered by the API. One subclass per error {@code type} (see {@link #create});
 * an unknown type gets this class itself, so a newer server never breaks an older SDK.
 */
public class ApiException extends RuntimeException {
  private final int httpStatus;
  private final String type;
  private final String code;
  private final String param;
  private final String docUrl;
  private final String requestId;
  private final Map<String, String> headers;

  public ApiException(String message, int httpStatus, String type, String code, String param, String docUrl,
      String requestId, Map<String, String> headers) {
    super(message);
    this.httpStatus = httpStatus;
    this.type = type;
    this.code = code;
    this.param = param;
    this.docUrl = docUrl;
    this.requestId = requestId;
    this.headers = Collections.unmodifiableMap(headers);
  }

  /** The subclass for the error's type. */
  public static ApiException create(int status, Map<String, Object> error, Map<String, String> headers) {
    String type = str(error.get("type"));
    String message = error.get("message") instanceof String ? (String) error.get("message") : "HTTP " + status + " with no error object";
    String requestId = error.get("request_id") instanceof String ? (String) error.get("request_id") : headers.get("request-id");
    Object[] a = {message, status, type, str(error.get("code")), str(error.get("param")), str(error.get("doc_url")), requestId, headers};
    switch (type == null ? "" : type) {
      case "api_error": return new ApiServerException(a);
      case "authentication_error": return new AuthenticationException(a);
      case "conflict_error": return new ConflictException(a);
      case "idempotency_error": return new IdempotencyException(a);
      case "invalid_request_error": return new InvalidRequestException(a);
      case "permission_error": return new PermissionException(a);
      case "rate_limit_error": return new RateLimitException(a);
      case "resource_not_found": return new NotFoundException(a);
      case "timeout_error": return new TimeoutException(a);
      default: return new ApiException(a);
    }
  }

  @SuppressWarnings("unchecked")
  protected ApiException(Object[] a) {
    this((String) a[0], (Integer) a[1], (String) a[2], (String) a[3], (String) a[4], (String) a[5], (String) a[6],
        (Map<String, String>) a[7]);
  }

  private static String str(Object o) {
    return o instanceof String ? (String) o : null;
  }

  public int getHttpStatus() { return httpStatus; }
  public String getType() { return type; }
  public String getCode() { return code; }
  public String getParam() { return param; }
  public String getDocUrl() { return docUrl; }
  /** From the error object, else from the Request-Id header. */
  public String getRequestId() { return requestId; }
  /** The answer's headers, lower-case names. */
  public Map<String, String> getHeaders() { return headers; }
}
