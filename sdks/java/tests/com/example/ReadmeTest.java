package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The README's examples, run as written: every ```java block of sdks/java/README.md, in order,
 * as one program (imports hoisted, the rest one method body), compiled with the JDK's compiler
 * against the SDK's jar and run against the session's local cloud. Only the host, the key and
 * the webhook secret change (and the spec's idempotency key gets a suffix: the SDKs share one
 * account in these tests); the webhook block gets a delivery signed moments ago as
 * {@code rawBody} and {@code headers} (what a web framework would hand it).
 */
class ReadmeTest {
  private static List<String> blocks() throws Exception {
    String readme = Files.readString(Path.of(System.getProperty("sdk.readme")));
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("^```java\\n(.*?)^```", Pattern.DOTALL | Pattern.MULTILINE).matcher(readme);
    while (m.find()) out.add(m.group(1));
    return out;
  }

  private static String literal(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Test
  void theExamplesCompileAndRunAgainstTheLocalCloud() throws Exception {
    List<String> blocks = blocks();
    assertTrue(blocks.size() >= 8, "the README has its examples: " + blocks.size());
    Map<String, Object> fixture = Json.MAPPER.readValue(Files.readString(Path.of(TestSupport.env("SDK_WEBHOOK_FIXTURE"))),
        new TypeReference<Map<String, Object>>() {});
    String secret = (String) fixture.get("secret");

    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    for (String block : blocks) {
      for (String line : block.split("\n", -1)) {
        if (line.startsWith("import ")) imports.append(line).append('\n');
        else body.append("    ").append(line).append('\n');
      }
    }
    String code = body.toString()
        .replace("\"sk_test_...\"", literal(TestSupport.env("SDK_API_KEY")))
        .replace("\"http://127.0.0.1:8000\"", literal(TestSupport.env("SDK_API_URL")))
        .replace("\"whsec_...\"", literal(secret))
        .replace("\"order_12345_create_resource\"", literal("order_12345_create_resource_java_" + System.nanoTime()));
    String source = "package readme;\n" + imports
        + "public class Readme {\n"
        + "  public static Map<String, Object> run(String rawBody, Map<String, String> headers) throws Exception {\n"
        + code
        + "    return Map.of(\"deleted\", deleted, \"event\", event, \"updated\", updated, \"client\", client, \"id\", resource.getId());\n"
        + "  }\n}\n";

    Path dir = Files.createTempDirectory("java-readme");
    Path file = dir.resolve("readme/Readme.java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    int rc = javac.run(null, errors, errors, "-nowarn", "-encoding", "UTF-8", "-d", dir.toString(),
        "-cp", System.getProperty("sdk.classpath"), file.toString());
    assertEquals(0, rc, "the README's blocks compile:\n" + errors.toString(StandardCharsets.UTF_8) + "\n" + source);

    // a delivery signed now (the fixture may be older than the 5-minute tolerance)
    String payload = (String) fixture.get("payload");
    @SuppressWarnings("unchecked")
    Map<String, String> headers = new LinkedHashMap<>((Map<String, String>) fixture.get("headers"));
    long stamp = System.currentTimeMillis() / 1000;
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    byte[] digest = mac.doFinal((headers.get("webhook-id") + "." + stamp + "." + payload).getBytes(StandardCharsets.UTF_8));
    headers.put("webhook-timestamp", Long.toString(stamp));
    headers.put("webhook-signature", "v1," + Base64.getEncoder().encodeToString(digest));

    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ReadmeTest.class.getClassLoader())) {
      Method run = loader.loadClass("readme.Readme").getMethod("run", String.class, Map.class);
      @SuppressWarnings("unchecked")
      Map<String, Object> out = (Map<String, Object>) run.invoke(null, payload, headers);
      com.example.model.DeletedResource deleted = (com.example.model.DeletedResource) out.get("deleted");
      assertEquals(com.example.model.DeletedResource.DeletedEnum.TRUE, deleted.getDeleted());
      assertEquals(fixture.get("event_id"), ((com.example.generated.model.Event) out.get("event")).getId());
      assertEquals("Updated Resource Name", ((com.example.model.Resource) out.get("updated")).getName());
      String id = (String) out.get("id");
      ExampleClient client = (ExampleClient) out.get("client");
      assertEquals(404, org.junit.jupiter.api.Assertions.assertThrows(com.example.exception.NotFoundException.class,
          () -> client.resources().retrieve(id)).getHttpStatus(), "the README's delete deleted it");
    } finally {
      try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
