package com.example;

import com.example.generated.JSON;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.JavaType;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * The SDK's ObjectMapper: the generated one (unknown fields kept by the models'
 * additionalProperties, unknown enum values read as UNKNOWN_DEFAULT_OPEN_API), plus a
 * lenient reader for oneOf wrappers (Event.data.object, a batch operation's body).
 *
 * The generated oneOf deserializer tries every alternative and fails unless exactly one
 * parses; with lenient models several always do. This one picks by the discriminator
 * (JSON.getClassForElement), else by the JSON's shape ("error", "deleted", "object").
 */
public final class Json {
  /** The generated oneOf wrappers read by {@link OneOfDeserializer} (absent ones skipped). */
  private static final String[] ONE_OF = {"EventDataObject", "BatchOperationResultBody"};

  public static final ObjectMapper MAPPER = mapper();

  private Json() {}

  private static ObjectMapper mapper() {
    ObjectMapper m = JSON.getDefault().getMapper().copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    for (String name : ONE_OF) {
      try {
        m.addMixIn(Class.forName("com.example.generated.model." + name), OneOfMixin.class);
      } catch (ClassNotFoundException e) {
        // a document without this oneOf: nothing to read leniently
      }
    }
    return m;
  }

  @JsonDeserialize(using = OneOfDeserializer.class)
  abstract static class OneOfMixin {}

  static final class OneOfDeserializer extends JsonDeserializer<Object> implements ContextualDeserializer {
    private final Class<?> wrapper;

    OneOfDeserializer() { this(null); }

    OneOfDeserializer(Class<?> wrapper) { this.wrapper = wrapper; }

    @Override
    public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
      JavaType type = ctxt.getContextualType() != null ? ctxt.getContextualType() : property.getType();
      return new OneOfDeserializer(type.getRawClass());
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      JsonNode tree = p.getCodec().readTree(p);
      try {
        Class.forName(wrapper.getName(), true, wrapper.getClassLoader()); // registers its discriminator
        Class<?> target = JSON.getClassForElement(tree, wrapper);
        if (target == null) {
          target = byShape(tree, schemas(wrapper));
        }
        Object instance = MAPPER.treeToValue(tree, target);
        Object result = wrapper.getDeclaredConstructor().newInstance();
        wrapper.getMethod("setActualInstance", Object.class).invoke(result, instance);
        return result;
      } catch (ReflectiveOperationException e) {
        throw new IOException("Cannot read " + wrapper.getSimpleName() + ": " + e, e);
      }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Class<?>> schemas(Class<?> wrapper) throws ReflectiveOperationException {
      Field f = wrapper.getField("schemas");
      return (Map<String, Class<?>>) f.get(null);
    }

    private static Class<?> byShape(JsonNode tree, Map<String, Class<?>> schemas) {
      String object = tree.path("object").asText("");
      Class<?> fallback = null;
      for (Map.Entry<String, Class<?>> e : schemas.entrySet()) {
        String name = e.getKey();
        if (tree.has("error") && name.equals("Error")) return e.getValue();
        if (tree.has("deleted") && name.startsWith("Deleted") && snake(name.substring(7)).equals(object)) return e.getValue();
        if (!tree.has("deleted") && "list".equals(object) && name.endsWith("List")) return e.getValue();
        if (!tree.has("deleted") && snake(name).equals(object)) return e.getValue();
        if (fallback == null && !name.equals("Error")) fallback = e.getValue();
      }
      return fallback;
    }

    private static String snake(String camel) {
      return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
  }
}
