<?php

namespace Example;

/**
 * The default HttpClient: curl, through a proxy when given one (`proxy` option:
 * 'http://host:port'), with any curl options of yours on top (`curl_options`).
 */
final class CurlClient implements HttpClient
{
    /** @var ?string */
    private $proxy;
    /** @var array<int, mixed> */
    private $options;

    /** @param array<int, mixed> $options CURLOPT_* => value, set last */
    public function __construct(?string $proxy = null, array $options = [])
    {
        $this->proxy = $proxy;
        $this->options = $options;
    }

    /**
     * @param array<string, string> $headers
     * @return array{0: int, 1: array<string, string>, 2: string, 3: ?string}
     */
    public function send(string $method, string $url, array $headers, ?string $body, float $timeout): array
    {
        $respHeaders = [];
        $lines = [];
        foreach ($headers as $name => $value) {
            $lines[] = "$name: $value";
        }
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $lines,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT_MS => (int) ($timeout * 1000),
            CURLOPT_CONNECTTIMEOUT_MS => 10000,
            CURLOPT_HEADERFUNCTION => static function ($ch, string $line) use (&$respHeaders): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $respHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
                } elseif (stripos($line, 'HTTP/') === 0) {
                    $respHeaders = []; // a new status line (100 Continue): forget the interim headers
                }
                return strlen($line);
            },
        ]);
        if ($this->proxy !== null) {
            curl_setopt($ch, CURLOPT_PROXY, $this->proxy);
        }
        if ($this->options !== []) {
            curl_setopt_array($ch, $this->options);
        }
        if ($body !== null) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        }
        $result = curl_exec($ch);
        if ($result === false) {
            $error = curl_error($ch) ?: 'curl error ' . curl_errno($ch);
            curl_close($ch);
            return [0, [], '', $error];
        }
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return [$status, $respHeaders, (string) $result, null];
    }
}
