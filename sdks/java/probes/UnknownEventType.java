// Must not compile: an event type the API does not have.
import com.example.ExampleClient;
import com.example.model.Event;
import com.example.param.EventListParams;

class UnknownEventType {
  static void run(ExampleClient client) {
    client.events().list(EventListParams.builder().setType(Event.TypeEnum.RESOURCE_EXPLODED).build());
  }
}
