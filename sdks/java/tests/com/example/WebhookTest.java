package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.exception.SignatureVerificationException;
import com.example.generated.model.Event;
import com.example.generated.model.Resource;
import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhook verification of a real signed delivery (SDK_WEBHOOK_FIXTURE). */
class WebhookTest {
  private String payload;
  private Map<String, String> headers;
  private String secret;
  private String eventId;
  private String eventType;
  /** The delivery's own clock, so the fixture's age never matters. */
  private long at;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void load() throws Exception {
    Map<String, Object> f = Json.MAPPER.readValue(Files.readString(Path.of(TestSupport.env("SDK_WEBHOOK_FIXTURE"))),
        new TypeReference<Map<String, Object>>() {});
    payload = (String) f.get("payload");
    headers = (Map<String, String>) f.get("headers");
    secret = (String) f.get("secret");
    eventId = (String) f.get("event_id");
    eventType = (String) f.get("event_type");
    at = Long.parseLong(headers.get("webhook-timestamp")) + 5;
  }

  private static String otherSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return "whsec_" + Base64.getEncoder().encodeToString(b);
  }

  @Test
  void aValidDeliveryGivesATypedEvent() throws Exception {
    Event event = Webhook.constructEvent(payload, headers, List.of(secret), 300, at);
    assertEquals(eventId, event.getId());
    assertEquals(eventType, event.getType().getValue());
    if (eventType.startsWith("resource.")) {
      Resource r = assertInstanceOf(Resource.class, event.getData().getObject().getActualInstance(), "data.object typed by its \"object\"");
      assertTrue(r.getId().startsWith("res_"));
    }
  }

  @Test
  void headerNamesInAnyCaseAndTheRotationsTwoSecrets() throws Exception {
    Map<String, String> upper = new HashMap<>();
    headers.forEach((k, v) -> upper.put(k.toUpperCase(), v));
    assertEquals(eventId, Webhook.constructEvent(payload, upper, List.of(otherSecret(), secret), 300, at).getId());
  }

  @Test
  void aTamperedBodyFails() {
    assertThrows(SignatureVerificationException.class,
        () -> Webhook.constructEvent(payload.replace(eventId, "evt_forged") + " ", headers, List.of(secret), 300, at));
  }

  @Test
  void aWrongSecretFails() {
    assertThrows(SignatureVerificationException.class, () -> Webhook.constructEvent(payload, headers, List.of(otherSecret()), 300, at));
  }

  @Test
  void anOldTimestampFails() {
    SignatureVerificationException e = assertThrows(SignatureVerificationException.class,
        () -> Webhook.constructEvent(payload, headers, List.of(secret), 300, at + 300));
    assertTrue(e.getMessage().contains("too old"));
  }

  @Test
  void anOldTimestampFailsEvenWhenSignedAgainForIt() throws Exception {
    long old = System.currentTimeMillis() / 1000 - 3600;
    Map<String, String> h = new HashMap<>(headers);
    h.put("webhook-timestamp", Long.toString(old));
    h.put("webhook-signature", Webhook.sign(secret, h.get("webhook-id"), old, payload));
    Webhook.verify(payload, h, List.of(secret), 4000, System.currentTimeMillis() / 1000); // the signature itself is right
    assertThrows(SignatureVerificationException.class, () -> Webhook.constructEvent(payload, h, secret));
  }

  @Test
  void theSpecsHexSignature() throws Exception {
    String hex = headers.get("resource-signature");
    assertTrue(Webhook.verifyHexSignature(payload, hex, secret));
    assertFalse(Webhook.verifyHexSignature(payload + "x", hex, secret));
    Map<String, String> hexOnly = Map.of("Resource-Signature", hex);
    long at = Long.parseLong(headers.get("webhook-timestamp"));
    assertEquals(eventId, Webhook.constructEvent(payload, hexOnly, List.of(secret), 300, at, true).getId());
    assertThrows(SignatureVerificationException.class, () -> Webhook.constructEvent(payload, hexOnly, secret),
        "a hex-only delivery (no timestamp) is refused without the opt-in");
    assertThrows(SignatureVerificationException.class,
        () -> Webhook.constructEvent(payload + " ", hexOnly, List.of(secret), 300, at, true));
  }
}
