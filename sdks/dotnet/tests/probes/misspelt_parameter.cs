// Must not compile: a misspelt parameter name.
using Example;
static class Probe { static void Main() { var p = new ResourceCreateParams { Nmae = "x" }; } }
