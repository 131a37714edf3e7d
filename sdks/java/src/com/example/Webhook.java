package com.example;

import com.example.exception.SignatureVerificationException;
import com.example.model.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a webhook delivery and returns its typed event:
 *
 * <pre>{@code Event event = Webhook.constructEvent(payload, headers, "whsec_...");}</pre>
 *
 * Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature "v1,<base64>") is checked
 * when its headers are there: HMAC-SHA256 keyed with the base64 part of the secret over
 * "{id}.{timestamp}.{payload}", timestamp within the tolerance of now. A delivery carrying only
 * the spec's Resource-Signature (hex HMAC-SHA256 keyed with the secret string over the payload) is
 * refused unless {@code allowHexOnly} is true: that scheme has no timestamp, so a captured delivery
 * could be replayed forever. Pass both secrets during a rotation's grace
 * period. Comparisons are constant-time (MessageDigest.isEqual). Use the raw body as received.
 */
public final class Webhook {
  public static final long DEFAULT_TOLERANCE = 300;

  private Webhook() {}

  public static Event constructEvent(String payload, Map<String, String> headers, String... secrets)
      throws SignatureVerificationException {
    return constructEvent(payload, headers, List.of(secrets), DEFAULT_TOLERANCE, System.currentTimeMillis() / 1000);
  }

  /** With an explicit tolerance (seconds) and clock (Unix seconds). */
  public static Event constructEvent(String payload, Map<String, String> headers, List<String> secrets, long tolerance,
      long now) throws SignatureVerificationException {
    return constructEvent(payload, headers, secrets, tolerance, now, false);
  }

  /**
   * With an explicit tolerance (seconds), clock (Unix seconds) and {@code allowHexOnly}: true also
   * accepts a delivery signed only with the hex Resource-Signature (no replay protection).
   */
  public static Event constructEvent(String payload, Map<String, String> headers, List<String> secrets, long tolerance,
      long now, boolean allowHexOnly) throws SignatureVerificationException {
    verify(payload, headers, secrets, tolerance, now, allowHexOnly);
    try {
      return Json.MAPPER.readValue(payload, Event.class);
    } catch (IOException e) {
      throw new SignatureVerificationException("The payload is not an event: " + e.getMessage());
    }
  }

  public static void verify(String payload, Map<String, String> headers, List<String> secrets, long tolerance, long now)
      throws SignatureVerificationException {
    verify(payload, headers, secrets, tolerance, now, false);
  }

  public static void verify(String payload, Map<String, String> headers, List<String> secrets, long tolerance, long now,
      boolean allowHexOnly) throws SignatureVerificationException {
    if (secrets.isEmpty()) throw new SignatureVerificationException("No secret given");
    Map<String, String> h = new java.util.HashMap<>();
    headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
    if (h.containsKey("webhook-signature")) {
      verifyStandard(payload, h, secrets, tolerance, now);
      return;
    }
    if (h.containsKey("resource-signature")) {
      if (!allowHexOnly) {
        throw new SignatureVerificationException(
            "Only the hex Resource-Signature is present, which has no timestamp; pass allowHexOnly to accept it");
      }
      for (String secret : secrets) {
        for (String name : List.of("resource-signature", "resource-signature-previous")) {
          if (h.containsKey(name) && verifyHexSignature(payload, h.get(name), secret)) return;
        }
      }
      throw new SignatureVerificationException("No Resource-Signature matches");
    }
    throw new SignatureVerificationException("No webhook-signature or Resource-Signature header");
  }

  /** The spec's verifyWebhook: hex HMAC-SHA256 of the payload keyed with the secret string. */
  public static boolean verifyHexSignature(String payload, String signature, String secret) {
    byte[] expected = hex(hmac(secret.getBytes(StandardCharsets.UTF_8), payload)).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }

  /** The Standard Webhooks signature ("v1,<base64>") of one attempt. */
  public static String sign(String secret, String msgId, long timestamp, String payload) throws SignatureVerificationException {
    return "v1," + Base64.getEncoder().encodeToString(hmac(key(secret), msgId + "." + timestamp + "." + payload));
  }

  private static void verifyStandard(String payload, Map<String, String> h, List<String> secrets, long tolerance, long now)
      throws SignatureVerificationException {
    String id = h.getOrDefault("webhook-id", "");
    String ts = h.getOrDefault("webhook-timestamp", "");
    if (id.isEmpty() || !ts.matches("\\d{1,12}")) {
      throw new SignatureVerificationException("Missing webhook-id or webhook-timestamp");
    }
    long timestamp = Long.parseLong(ts);
    if (timestamp < now - tolerance) throw new SignatureVerificationException("Timestamp too old");
    if (timestamp > now + tolerance) throw new SignatureVerificationException("Timestamp too new");
    List<byte[]> given = new ArrayList<>();
    for (String sig : h.get("webhook-signature").trim().split("\\s+")) {
      if (sig.startsWith("v1,")) given.add(sig.getBytes(StandardCharsets.US_ASCII));
    }
    for (String secret : secrets) {
      byte[] expected = sign(secret, id, timestamp, payload).getBytes(StandardCharsets.US_ASCII);
      for (byte[] sig : given) {
        if (MessageDigest.isEqual(expected, sig)) return;
      }
    }
    throw new SignatureVerificationException("No signature matches the payload");
  }

  private static byte[] key(String secret) throws SignatureVerificationException {
    try {
      return Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
    } catch (IllegalArgumentException e) {
      throw new SignatureVerificationException("The secret is not whsec_ + base64");
    }
  }

  private static byte[] hmac(byte[] key, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) sb.append(String.format("%02x", b));
    return sb.toString();
  }
}
