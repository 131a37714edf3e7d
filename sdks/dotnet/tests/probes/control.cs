// Compiles: the correct spelling of everything the probes misspell.
using Example;
static class Probe
{
    static void Main()
    {
        var p = new ResourceCreateParams { Name = "x", Type = ResourceType.Production, Configuration = new ResourceConfigurationParams { TimeoutMs = 10 } };
        Resource r = null;
        if (r != null && r.Status == Status.Active) System.Console.WriteLine(p.Name);
    }
}
