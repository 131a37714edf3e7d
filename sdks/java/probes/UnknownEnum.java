// Must not compile: a status the API does not have.
import com.example.ExampleClient;
import com.example.generated.model.Status;
import com.example.param.ResourceListParams;

class UnknownEnum {
  static void run(ExampleClient client) {
    client.resources().list(ResourceListParams.builder().setStatus(Status.HIBERNATING).build());
  }
}
