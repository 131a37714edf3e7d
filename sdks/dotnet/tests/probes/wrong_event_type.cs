// Must not compile: an event type the API does not send.
using Example;
static class Probe { static void Main() { Event e = null; System.Console.WriteLine(e.Type == EventType.ResourceCreate); } }
