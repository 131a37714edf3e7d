// Must not compile: a misspelt field read (getStauts).
import com.example.ExampleClient;
import com.example.model.Resource;

class MisspeltField {
  static void run(ExampleClient client) {
    Resource r = client.resources().retrieve("res_x");
    System.out.println(r.getStauts());
  }
}
