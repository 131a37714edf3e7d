package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.example.exception.SignatureVerificationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The shared webhook vectors (sdks/testdata/webhook-vectors.json): the same cases in every SDK. */
class VectorsTest {
  @TestFactory
  Stream<DynamicTest> vectors() throws Exception {
    Path file = Path.of(System.getProperty("sdk.vectors", "../testdata/webhook-vectors.json"));
    JsonNode vectors = new ObjectMapper().readTree(file.toFile()).get("vectors");
    assertFalse(vectors.isEmpty());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode v : vectors) {
      tests.add(DynamicTest.dynamicTest(v.get("name").asText(), () -> {
        Map<String, String> headers = new HashMap<>();
        v.get("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        List<String> secrets = new ArrayList<>();
        v.get("secrets").forEach(s -> secrets.add(s.asText()));
        String payload = v.get("payload").asText();
        long tolerance = v.get("tolerance").asLong();
        long now = v.get("now").asLong();
        boolean allowHexOnly = v.get("allow_hex_only").asBoolean();
        if (v.get("expect").asText().equals("accept")) {
          assertEquals("resource.created",
              Webhook.constructEvent(payload, headers, secrets, tolerance, now, allowHexOnly).getType().toString());
        } else {
          assertThrows(SignatureVerificationException.class,
              () -> Webhook.constructEvent(payload, headers, secrets, tolerance, now, allowHexOnly));
        }
      }));
    }
    return tests.stream();
  }
}
