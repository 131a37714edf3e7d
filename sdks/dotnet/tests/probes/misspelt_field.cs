// Must not compile: a misspelt field read.
using Example;
static class Probe { static void Main() { Resource r = null; System.Console.WriteLine(r.Stauts); } }
