// Must not compile: an enum value the API does not have.
using Example;
static class Probe { static void Main() { var p = new ResourceCreateParams { Name = "x", Type = ResourceType.Prod }; } }
