// Must not compile: a parameter of the wrong type (a string limit).
import com.example.ExampleClient;
import com.example.param.ResourceListParams;

class WrongType {
  static void run(ExampleClient client) {
    client.resources().list(ResourceListParams.builder().setLimit("10").build());
  }
}
