using YamlDotNet.RepresentationModel;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The documents of a rendered overlay, with just enough navigation for the wiring checks: objects
/// by kind and name, the StatefulSets' pod templates and their containers.
/// </summary>
internal sealed class RenderedManifests
{
    private RenderedManifests(IReadOnlyList<YamlMappingNode> documents) => Documents = documents;

    public IReadOnlyList<YamlMappingNode> Documents { get; }

    public static RenderedManifests Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new RenderedManifests([.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()]);
    }

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Documents.Where(d => d.Text("kind") == kind);

    public YamlMappingNode? Find(string kind, string name) => OfKind(kind).FirstOrDefault(d => d.Text("metadata", "name") == name);

    public IReadOnlyList<Workload> Workloads => [.. OfKind("StatefulSet").Select(s => new Workload(s))];

    /// <summary>The StatefulSet whose container runs <c>dsolver <paramref name="role"/></c>.</summary>
    public Workload? Role(string role) => Workloads.FirstOrDefault(w => w.Containers.Any(c => c.Args.FirstOrDefault() == role));
}

/// <summary>A StatefulSet of the trainer.</summary>
internal sealed class Workload(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;
    public string Name => Root.Text("metadata", "name") ?? "(unnamed)";
    public string? ServiceName => Root.Text("spec", "serviceName");
    public int Replicas => int.TryParse(Root.Text("spec", "replicas"), out int n) ? n : 1;
    public YamlMappingNode PodSpec => Root.Map("spec", "template", "spec") ?? new YamlMappingNode();
    public IReadOnlyDictionary<string, string> PodLabels => Root.Map("spec", "template", "metadata", "labels").Pairs();
    public IReadOnlyList<Container> Containers =>
        [.. new[] { "initContainers", "containers" }.SelectMany(key => PodSpec.Seq(key)).OfType<YamlMappingNode>().Select(c => new Container(c))];

    /// <summary>The pod volume named <paramref name="name"/>.</summary>
    public YamlMappingNode? Volume(string name) => PodSpec.Seq("volumes").OfType<YamlMappingNode>().FirstOrDefault(v => v.Text("name") == name);
}

internal sealed class Container(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;
    public string Name => Root.Text("name") ?? "(unnamed)";
    public string? Image => Root.Text("image");
    public IReadOnlyList<string> Args => [.. Root.Seq("args").OfType<YamlScalarNode>().Select(s => s.Value ?? "")];

    /// <summary>The env entries in declaration order (the order matters for $(VAR) expansion).</summary>
    public IReadOnlyList<YamlMappingNode> EnvEntries => [.. Root.Seq("env").OfType<YamlMappingNode>()];

    public YamlMappingNode? EnvEntry(string name) => EnvEntries.FirstOrDefault(e => e.Text("name") == name);

    /// <summary>A variable's literal value; null when it is unset or comes from a reference.</summary>
    public string? Env(string name) => EnvEntry(name)?.Text("value");

    public int EnvIndex(string name) => EnvEntries.ToList().FindIndex(e => e.Text("name") == name);

    /// <summary>Container ports by name.</summary>
    public IReadOnlyDictionary<string, string> Ports =>
        Root.Seq("ports").OfType<YamlMappingNode>().Where(p => p.Text("name") is not null)
            .ToDictionary(p => p.Text("name")!, p => p.Text("containerPort") ?? "");

    public IReadOnlyList<YamlMappingNode> VolumeMounts => [.. Root.Seq("volumeMounts").OfType<YamlMappingNode>()];
}

/// <summary>Path navigation over YAML mappings; a missing step gives null (or empty), never an exception.</summary>
internal static class YamlPaths
{
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        }
        return node;
    }

    public static string? Text(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static YamlMappingNode? Map(this YamlNode? node, params string[] path) => node.At(path) as YamlMappingNode;

    public static IEnumerable<YamlNode> Seq(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode sequence ? sequence.Children : [];

    public static IReadOnlyDictionary<string, string> Pairs(this YamlMappingNode? map) =>
        map?.Children.Where(kv => kv.Key is YamlScalarNode && kv.Value is YamlScalarNode)
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => ((YamlScalarNode)kv.Value).Value ?? "")
        ?? new Dictionary<string, string>();
}
