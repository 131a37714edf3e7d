// Must not compile: a misspelt list parameter (setLimt).
import com.example.ExampleClient;
import com.example.param.ResourceListParams;

class MisspeltParameter {
  static void run(ExampleClient client) {
    client.resources().list(ResourceListParams.builder().setLimt(10).build());
  }
}
