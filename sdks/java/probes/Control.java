// Compiles: the typed way to call the SDK (test.sh fails if it does not).
import com.example.ExampleClient;
import com.example.Page;
import com.example.generated.model.Status;
import com.example.model.Event;
import com.example.model.Resource;
import com.example.param.EventListParams;
import com.example.param.RangeFilter;
import com.example.param.ResourceListParams;

class Control {
  static void run(ExampleClient client) {
    Page<Resource> page = client.resources().list(ResourceListParams.builder().setLimit(10).setStatus(Status.ACTIVE)
        .setCreated(RangeFilter.builder().setGte(1705320000L).build()).addExpand("data.metrics").build());
    for (Resource r : page) System.out.println(r.getStatus() + " " + r.lastResponse());
    for (Event e : client.events().list(EventListParams.builder().setType(Event.TypeEnum.RESOURCE_UPDATED).build())) {
      if (e.getType() == Event.TypeEnum.RESOURCE_UPDATED) System.out.println(e.getData().getObject().getResource().getName());
    }
  }
}
