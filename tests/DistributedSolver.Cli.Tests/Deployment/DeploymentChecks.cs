using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The wiring of a rendered overlay against the issue-14 deployment contract. Each check returns
/// the problems it found (empty: the wiring holds), so a test shows all of them at once, and the
/// same check can be shown to catch a deliberately broken manifest.
/// </summary>
internal static partial class DeploymentChecks
{
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";

    // The contract's ports and paths.
    private static readonly (string Name, string Variable, int Port)[] ContractPorts =
        [("akka", "DSOLVER_PORT", 4053), ("data", "DSOLVER_DATA_PORT", 4054), ("http", "DSOLVER_HTTP_PORT", 8080)];

    /// <summary>DSOLVER_SEEDS on every container is the coordinator pods' DNS names with the Akka port, every replica once.</summary>
    public static List<string> Seeds(RenderedManifests m)
    {
        var problems = new List<string>();
        if (m.Role(CoordinatorRole) is not { } coordinator) return ["no StatefulSet runs `dsolver coordinator`"];
        string? akkaPort = coordinator.Containers[0].Ports.GetValueOrDefault("akka");
        var expected = Enumerable.Range(0, coordinator.Replicas).Select(i => $"{coordinator.Name}-{i}.{coordinator.ServiceName}:{akkaPort}").ToList();
        foreach (var w in m.Workloads)
            foreach (var c in w.Containers)
            {
                var seeds = (c.Env("DSOLVER_SEEDS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (!seeds.SequenceEqual(expected))
                    problems.Add($"{w.Name}/{c.Name}: DSOLVER_SEEDS is '{string.Join(",", seeds)}', the coordinator pods are '{string.Join(",", expected)}'");
            }
        return problems;
    }

    /// <summary>
    /// Every StatefulSet sits behind the headless Service it names, which publishes not-ready
    /// addresses (nodes join through these names before they are ready), and advertises
    /// $(POD_NAME).&lt;service&gt; with POD_NAME from the downward API declared before it.
    /// </summary>
    public static List<string> Addresses(RenderedManifests m)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
        {
            var service = w.ServiceName is { } s ? m.Find("Service", s) : null;
            if (service is null) { problems.Add($"{w.Name}: serviceName '{w.ServiceName}' is not a Service of the render"); continue; }
            if (service.Text("spec", "clusterIP") != "None") problems.Add($"Service {w.ServiceName} is not headless (clusterIP: None)");
            if (service.Text("spec", "publishNotReadyAddresses") != "true") problems.Add($"Service {w.ServiceName} does not publish not-ready addresses");
            var selector = service.Map("spec", "selector").Pairs();
            if (selector.Count == 0 || selector.Any(kv => w.PodLabels.GetValueOrDefault(kv.Key) != kv.Value))
                problems.Add($"Service {w.ServiceName} does not select the pods of {w.Name}");
            foreach (var c in w.Containers)
            {
                string expected = $"$(POD_NAME).{w.ServiceName}";
                if (c.Env("DSOLVER_PUBLIC_HOST") != expected) problems.Add($"{w.Name}/{c.Name}: DSOLVER_PUBLIC_HOST is '{c.Env("DSOLVER_PUBLIC_HOST")}', not '{expected}'");
                if (c.EnvEntry("POD_NAME")?.Text("valueFrom", "fieldRef", "fieldPath") != "metadata.name") problems.Add($"{w.Name}/{c.Name}: POD_NAME does not come from metadata.name");
                if (c.EnvIndex("POD_NAME") < 0 || c.EnvIndex("POD_NAME") > c.EnvIndex("DSOLVER_PUBLIC_HOST"))
                    problems.Add($"{w.Name}/{c.Name}: POD_NAME must be declared before DSOLVER_PUBLIC_HOST, or $(POD_NAME) stays unexpanded");
            }
        }
        return problems;
    }

    /// <summary>DSOLVER_PORT / DSOLVER_DATA_PORT / DSOLVER_HTTP_PORT equal the named container ports and the Service's ports, at the contract's numbers.</summary>
    public static List<string> Ports(RenderedManifests m)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
        {
            var service = w.ServiceName is { } s ? m.Find("Service", s) : null;
            var servicePorts = service.Seq("spec", "ports").OfType<YamlMappingNode>().ToList();
            foreach (var c in w.Containers)
                foreach (var (name, variable, port) in ContractPorts)
                {
                    string? value = c.Env(variable);
                    bool needed = name != "data" || m.Role(CoordinatorRole)?.Name == w.Name;
                    if (value is null && c.Ports.ContainsKey(name)) problems.Add($"{w.Name}/{c.Name}: port '{name}' is declared but {variable} is not set");
                    if (value is null) { if (needed) problems.Add($"{w.Name}/{c.Name}: {variable} is not set"); continue; }
                    if (value != port.ToString(CultureInfo.InvariantCulture)) problems.Add($"{w.Name}/{c.Name}: {variable} is {value}, the contract says {port}");
                    if (c.Ports.GetValueOrDefault(name) != value) problems.Add($"{w.Name}/{c.Name}: {variable}={value} but container port '{name}' is '{c.Ports.GetValueOrDefault(name)}'");
                    var sp = servicePorts.FirstOrDefault(p => p.Text("name") == name);
                    if (sp is null) problems.Add($"Service {w.ServiceName} has no port '{name}'");
                    else if (sp.Text("port") != value || (sp.Text("targetPort") is { } target && target != name && target != value))
                        problems.Add($"Service {w.ServiceName} port '{name}' is {sp.Text("port")} → {sp.Text("targetPort")}, the container listens on {value}");
                }
        }
        return problems;
    }

    /// <summary>Readiness probes /readyz and liveness (and startup) probes /healthz, all on the port named http.</summary>
    public static List<string> Probes(RenderedManifests m)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
            foreach (var c in w.Containers)
                foreach (var (probe, path, required) in new[] { ("readinessProbe", "/readyz", true), ("livenessProbe", "/healthz", true), ("startupProbe", "/healthz", false) })
                {
                    var get = c.Root.Map(probe, "httpGet");
                    if (get is null) { if (required) problems.Add($"{w.Name}/{c.Name}: no {probe} with httpGet"); continue; }
                    if (get.Text("path") != path) problems.Add($"{w.Name}/{c.Name}: {probe} asks {get.Text("path")}, not {path}");
                    if (get.Text("port") != "http" || !c.Ports.ContainsKey("http")) problems.Add($"{w.Name}/{c.Name}: {probe} does not target the container port named http");
                }
        return problems;
    }

    /// <summary>The coordinator mounts a ReadWriteMany PVC, writable, at the directory of DSOLVER_SNAPSHOT_PREFIX.</summary>
    public static List<string> Snapshots(RenderedManifests m)
    {
        if (m.Role(CoordinatorRole) is not { } w) return ["no StatefulSet runs `dsolver coordinator`"];
        var problems = new List<string>();
        foreach (var c in w.Containers)
        {
            if (c.Env("DSOLVER_SNAPSHOT_PREFIX") is not { } prefix || !prefix.StartsWith('/')) { problems.Add($"{w.Name}/{c.Name}: DSOLVER_SNAPSHOT_PREFIX is not an absolute path"); continue; }
            string directory = Path.GetDirectoryName(prefix)!;
            var mount = c.VolumeMounts.FirstOrDefault(v => v.Text("mountPath")?.TrimEnd('/') == directory);
            if (mount is null) { problems.Add($"{w.Name}/{c.Name}: nothing is mounted at {directory}, the directory of DSOLVER_SNAPSHOT_PREFIX"); continue; }
            if (mount.Text("readOnly") == "true") problems.Add($"{w.Name}/{c.Name}: the snapshot volume is mounted read-only");
            string? claim = w.Volume(mount.Text("name") ?? "").Text("persistentVolumeClaim", "claimName");
            var pvc = claim is null ? null : m.Find("PersistentVolumeClaim", claim);
            if (pvc is null) problems.Add($"{w.Name}/{c.Name}: the volume at {directory} is not a PersistentVolumeClaim of the render");
            else if (!pvc.Seq("spec", "accessModes").OfType<YamlScalarNode>().Any(a => a.Value == "ReadWriteMany"))
                problems.Add($"PersistentVolumeClaim {claim} is not ReadWriteMany: both coordinator pods, maybe on two nodes, mount it");
        }
        return problems;
    }

    /// <summary>GPU limits, node selectors, tolerations and DSOLVER_DEVICE=gpu:0 appear exactly where GPUs are expected: every pod of the gpu overlays, nowhere else.</summary>
    public static List<string> GpuPlacement(RenderedManifests m, bool expectGpu)
    {
        var problems = new List<string>();
        // Every pod of a GPU run computes on a GPU: registration refuses a worker whose arithmetic differs from the coordinator's.
        bool gpu = expectGpu;
        foreach (var w in m.Workloads)
        {
            bool hasSelector = w.PodSpec.Map("nodeSelector")?.Children.Count > 0;
            bool hasToleration = w.PodSpec.Seq("tolerations").OfType<YamlMappingNode>().Any(t => t.Text("key") == "nvidia.com/gpu");
            if (hasSelector != gpu) problems.Add($"{w.Name}: nodeSelector {(gpu ? "missing" : "present")} (GPU placement belongs to every pod of the gpu overlay and to none elsewhere)");
            if (hasToleration != gpu) problems.Add($"{w.Name}: nvidia.com/gpu toleration {(gpu ? "missing" : "present")}");
            foreach (var c in w.Containers)
            {
                bool limit = c.Root.Text("resources", "limits", "nvidia.com/gpu") is { } n && int.TryParse(n, out int count) && count > 0;
                if (limit != gpu) problems.Add($"{w.Name}/{c.Name}: nvidia.com/gpu limit {(gpu ? "missing" : "present")}");
                string device = c.Env("DSOLVER_DEVICE") ?? "(unset)";
                if (gpu ? device != "gpu:0" : device.StartsWith("gpu", StringComparison.Ordinal))
                    problems.Add($"{w.Name}/{c.Name}: DSOLVER_DEVICE is {device} {(gpu ? "on a GPU pod (gpu:0 expected)" : "without a GPU")}");
            }
        }
        return problems;
    }

    /// <summary>Every container requests and limits cpu and memory.</summary>
    public static List<string> Resources(RenderedManifests m) =>
        [.. from w in m.Workloads
            from c in w.Containers
            from kind in new[] { "requests", "limits" }
            from resource in new[] { "cpu", "memory" }
            where string.IsNullOrEmpty(c.Root.Text("resources", kind, resource))
            select $"{w.Name}/{c.Name}: no resources.{kind}.{resource}"];

    /// <summary>DSOLVER_CLUSTER_TOKEN comes from a Secret of the render (key token) on every container, never as a literal.</summary>
    public static List<string> ClusterToken(RenderedManifests m)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
            foreach (var c in w.Containers)
            {
                var entry = c.EnvEntry("DSOLVER_CLUSTER_TOKEN");
                var reference = entry.Map("valueFrom", "secretKeyRef");
                if (entry is null || reference is null || entry.Text("value") is not null) { problems.Add($"{w.Name}/{c.Name}: DSOLVER_CLUSTER_TOKEN is not taken from a Secret"); continue; }
                string? name = reference.Text("name"), key = reference.Text("key");
                if (key != "token") problems.Add($"{w.Name}/{c.Name}: DSOLVER_CLUSTER_TOKEN reads key '{key}', the contract's key is 'token'");
                var secret = name is null ? null : m.Find("Secret", name);
                if (secret is null) problems.Add($"{w.Name}/{c.Name}: Secret '{name}' is not in the render");
                else if (secret.At("data", "token") is null && secret.At("stringData", "token") is null) problems.Add($"Secret {name} has no key token");
                if (name is not null && !name.StartsWith("dsolver-cluster-token", StringComparison.Ordinal)) problems.Add($"{w.Name}/{c.Name}: the token Secret is '{name}', not dsolver-cluster-token");
            }
        return problems;
    }

    /// <summary>
    /// The ConfigMap holds solver.prototxt and the net file it names, each mounted read-only in the
    /// directory of DSOLVER_SOLVER, on every container (workers build the same nets).
    /// </summary>
    public static List<string> SolverConfig(RenderedManifests m)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
            foreach (var c in w.Containers)
            {
                if (c.Env("DSOLVER_SOLVER") is not { } solver || !solver.StartsWith('/')) { problems.Add($"{w.Name}/{c.Name}: DSOLVER_SOLVER is not an absolute path"); continue; }
                string directory = Path.GetDirectoryName(solver)!;
                string? solverText = MountedConfigFile(m, w, c, directory, Path.GetFileName(solver), problems);
                if (solverText is null) continue;
                var net = NetField().Match(solverText);
                if (!net.Success) { problems.Add($"{w.Name}/{c.Name}: {solver} names no net"); continue; }
                // A relative net path is relative to the solver file's directory, as in Caffe.
                string netPath = Path.GetFullPath(Path.Combine(directory, net.Groups[1].Value));
                MountedConfigFile(m, w, c, Path.GetDirectoryName(netPath)!, Path.GetFileName(netPath), problems);
            }
        return problems;
    }

    [GeneratedRegex("""^\s*net\s*:\s*"([^"]+)"\s*$""", RegexOptions.Multiline)]
    private static partial Regex NetField();

    // The content of <directory>/<file> as the container sees it: a ConfigMap key mounted by subPath
    // at that path, or the whole ConfigMap mounted at the directory.
    private static string? MountedConfigFile(RenderedManifests m, Workload w, Container c, string directory, string file, List<string> problems)
    {
        foreach (var mount in c.VolumeMounts)
        {
            string mountPath = mount.Text("mountPath")?.TrimEnd('/') ?? "";
            string? key = mountPath == $"{directory}/{file}" ? mount.Text("subPath")
                : mountPath == directory && mount.Text("subPath") is null ? file
                : null;
            if (key is null) continue;
            string? configMapName = w.Volume(mount.Text("name") ?? "").Text("configMap", "name");
            var configMap = configMapName is null ? null : m.Find("ConfigMap", configMapName);
            if (configMap?.Text("data", key) is not { } text) continue;
            if (mount.Text("readOnly") != "true") problems.Add($"{w.Name}/{c.Name}: {directory}/{file} is mounted writable");
            return text;
        }
        problems.Add($"{w.Name}/{c.Name}: no ConfigMap key provides {directory}/{file}");
        return null;
    }

    /// <summary>Every image has an explicit tag (or digest), never latest.</summary>
    public static List<string> Images(RenderedManifests m)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
            foreach (var c in w.Containers)
                if (ImageProblem(c.Image) is { } problem) problems.Add($"{w.Name}/{c.Name}: {problem}");
        return problems;
    }

    /// <summary>Why an image reference is not pinned, or null when it names an exact tag or digest.</summary>
    public static string? ImageProblem(string? image)
    {
        if (string.IsNullOrEmpty(image)) return "no image";
        if (image.Contains('@')) return null;
        string lastPart = image[(image.LastIndexOf('/') + 1)..];
        int colon = lastPart.IndexOf(':');
        if (colon < 0) return $"image '{image}' has no tag (it would mean latest)";
        return lastPart[(colon + 1)..] is "latest" or "" ? $"image '{image}' is tagged latest" : null;
    }

    /// <summary>
    /// A NetworkPolicy selects every trainer pod, lets the trainer's pods reach 4053 and 4054, and
    /// lets nothing else reach them (only the HTTP port is open to others).
    /// </summary>
    public static List<string> NetworkPolicy(RenderedManifests m)
    {
        var problems = new List<string>();
        var policies = m.OfKind("NetworkPolicy").ToList();
        foreach (var w in m.Workloads)
        {
            var covering = policies.Where(p => Selects(p.Map("spec", "podSelector"), w.PodLabels)
                && p.Seq("spec", "policyTypes").OfType<YamlScalarNode>().Any(t => t.Value == "Ingress")).ToList();
            if (covering.Count == 0) { problems.Add($"{w.Name}: no NetworkPolicy restricts ingress to its pods"); continue; }
            var rules = covering.SelectMany(p => p.Seq("spec", "ingress").OfType<YamlMappingNode>()).ToList();
            foreach (int port in new[] { 4053, 4054 })
            {
                var open = rules.Where(r => OpensPort(r, port)).ToList();
                // Every source allowed to the port must be a pod selector matching the trainer's pods.
                foreach (var rule in open)
                {
                    var sources = rule.Seq("from").OfType<YamlMappingNode>().ToList();
                    if (sources.Count == 0 || sources.Any(s => s.At("ipBlock") is not null || s.At("namespaceSelector") is not null
                        || s.Map("podSelector") is not { } selector || !Selects(selector, w.PodLabels) || selector.Map("matchLabels")?.Children.Count is null or 0))
                        problems.Add($"{w.Name}: a NetworkPolicy rule lets sources other than the trainer's pods reach port {port}");
                }
                if (open.Count == 0) problems.Add($"{w.Name}: no NetworkPolicy rule lets the trainer's pods reach port {port}");
            }
        }
        return problems;
    }

    private static bool OpensPort(YamlMappingNode rule, int port)
    {
        var ports = rule.Seq("ports").OfType<YamlMappingNode>().ToList();
        return ports.Count == 0 || ports.Any(p => p.Text("port") == port.ToString(CultureInfo.InvariantCulture));
    }

    // matchLabels only: the base uses no matchExpressions, and a selector with them is not understood here.
    private static bool Selects(YamlMappingNode? selector, IReadOnlyDictionary<string, string> labels) =>
        selector is not null && selector.At("matchExpressions") is null
        && selector.Map("matchLabels").Pairs().All(kv => labels.GetValueOrDefault(kv.Key) == kv.Value);

    /// <summary>The coordinator sets DSOLVER_HANDOVER_TIMEOUT, and every pod's grace period outlasts its hand-over timeout.</summary>
    public static List<string> ShutdownGrace(RenderedManifests m)
    {
        var problems = new List<string>();
        if (m.Role(CoordinatorRole)?.Containers.Any(c => c.Env("DSOLVER_HANDOVER_TIMEOUT") is not null) != true)
            problems.Add("the coordinator does not set DSOLVER_HANDOVER_TIMEOUT");
        foreach (var w in m.Workloads)
        {
            double grace = double.TryParse(w.PodSpec.Text("terminationGracePeriodSeconds"), CultureInfo.InvariantCulture, out double g) ? g : 30;
            foreach (var c in w.Containers)
            {
                if (c.Env("DSOLVER_HANDOVER_TIMEOUT") is not { } text) continue;
                if (Seconds(text) is not { } timeout) problems.Add($"{w.Name}/{c.Name}: DSOLVER_HANDOVER_TIMEOUT '{text}' is not a duration");
                else if (grace <= timeout) problems.Add($"{w.Name}: terminationGracePeriodSeconds {grace} does not outlast DSOLVER_HANDOVER_TIMEOUT {text}: the final snapshot would be killed");
            }
        }
        return problems;
    }

    // "60s", "1m", "500ms", as the contract writes durations.
    private static double? Seconds(string text)
    {
        var match = Regex.Match(text.Trim(), @"^(\d+(?:\.\d+)?)(ms|s|m)$");
        if (!match.Success) return null;
        double value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "ms" => value / 1000, "s" => value, _ => value * 60 };
    }

    /// <summary>The coordinator waits for as many workers as the worker StatefulSet starts.</summary>
    public static List<string> MinWorkers(RenderedManifests m)
    {
        if (m.Role(CoordinatorRole) is not { } coordinator || m.Role(WorkerRole) is not { } worker) return ["the render lacks the coordinator or the worker StatefulSet"];
        return [.. coordinator.Containers
            .Where(c => c.Env("DSOLVER_MIN_WORKERS") != worker.Replicas.ToString(CultureInfo.InvariantCulture))
            .Select(c => $"{coordinator.Name}/{c.Name}: DSOLVER_MIN_WORKERS is {c.Env("DSOLVER_MIN_WORKERS") ?? "unset"}, the worker StatefulSet has {worker.Replicas} replicas")];
    }

    /// <summary>
    /// With TLS, every container (all nodes or none speak TLS) has the certificate path under a
    /// read-only mount of Secret dsolver-tls and the password from that Secret; without it, none has.
    /// </summary>
    public static List<string> Tls(RenderedManifests m, bool expectTls)
    {
        var problems = new List<string>();
        foreach (var w in m.Workloads)
            foreach (var c in w.Containers)
            {
                string? certificate = c.Env("DSOLVER_TLS_CERTIFICATE");
                var password = c.EnvEntry("DSOLVER_TLS_CERTIFICATE_PASSWORD");
                if (!expectTls)
                {
                    if (certificate is not null || password is not null) problems.Add($"{w.Name}/{c.Name}: TLS variables set without the tls component");
                    continue;
                }
                if (certificate is null) { problems.Add($"{w.Name}/{c.Name}: DSOLVER_TLS_CERTIFICATE is not set"); continue; }
                var mount = c.VolumeMounts.FirstOrDefault(v => v.Text("mountPath") is { } path && certificate.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));
                string? secretName = mount is null ? null : w.Volume(mount.Text("name") ?? "").Text("secret", "secretName");
                if (mount is null || secretName != "dsolver-tls")
                    problems.Add($"{w.Name}/{c.Name}: {certificate} does not lie under a mount of Secret dsolver-tls");
                else
                {
                    if (mount.Text("readOnly") != "true") problems.Add($"{w.Name}/{c.Name}: the TLS Secret is mounted writable");
                    string key = certificate[(mount.Text("mountPath")!.TrimEnd('/').Length + 1)..];
                    if (key != "tls.pfx") problems.Add($"{w.Name}/{c.Name}: DSOLVER_TLS_CERTIFICATE names '{key}', the Secret's key is tls.pfx");
                    // Secret files are root-owned: a mode without "others" read needs the pod's
                    // fsGroup to be the process's group, or the non-root process cannot read the key.
                    var volume = w.Volume(mount.Text("name") ?? "");
                    bool othersRead = volume.Text("secret", "defaultMode") is { } mode && (Convert.ToInt32(mode, mode.StartsWith('0') && mode.Length > 1 ? 8 : 10) & 4) != 0;
                    string? fsGroup = w.PodSpec.Text("securityContext", "fsGroup");
                    string? group = w.PodSpec.Text("securityContext", "runAsGroup") ?? w.PodSpec.Text("securityContext", "runAsUser");
                    if (!othersRead && (fsGroup is null || fsGroup != group))
                        problems.Add($"{w.Name}: the TLS Secret's files are not readable by the process (no fsGroup {group} and no read for others)");
                }
                var reference = password.Map("valueFrom", "secretKeyRef");
                if (reference?.Text("name") != "dsolver-tls" || reference.Text("key") != "password")
                    problems.Add($"{w.Name}/{c.Name}: DSOLVER_TLS_CERTIFICATE_PASSWORD does not come from Secret dsolver-tls key password");
            }
        return problems;
    }
}
