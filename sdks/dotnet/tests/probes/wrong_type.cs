// Must not compile: a parameter of the wrong type.
using Example;
static class Probe { static void Main() { var p = new ResourceConfigurationParams { TimeoutMs = "10000" }; } }
