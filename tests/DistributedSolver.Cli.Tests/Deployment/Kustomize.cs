using System.Collections.Concurrent;
using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>Renders the repository's kustomize overlays with <c>kubectl kustomize</c>, once per overlay and test run.</summary>
internal static class Kustomize
{
    /// <summary>Every overlay a user can apply; each one must pass every wiring check.</summary>
    public static readonly string[] Overlays = ["cpu", "gpu", "gpu-tls"];

    /// <summary><see cref="Overlays"/> for a theory's <c>MemberData</c>.</summary>
    public static TheoryData<string> EveryOverlay => [.. Overlays];

    /// <summary>Why the kustomize tests cannot run here, or null when kubectl with kustomize is installed.</summary>
    public static string? Absence { get; } = FindAbsence();

    private static readonly ConcurrentDictionary<string, Lazy<string>> Rendered = new();

    public static string OverlayDirectory(string overlay) => Path.Combine(RepoPaths.Root, "k8s", "overlays", overlay);

    /// <summary>The rendered YAML of k8s/overlays/<paramref name="overlay"/>.</summary>
    public static string Render(string overlay) =>
        Rendered.GetOrAdd(overlay, o => new Lazy<string>(() =>
        {
            var (exit, output, error) = ExternalTool.Run("kubectl", ["kustomize", OverlayDirectory(o)], RepoPaths.Root);
            return exit == 0 ? output : throw new InvalidOperationException($"kubectl kustomize k8s/overlays/{o} failed ({exit}): {error}");
        })).Value;

    public static RenderedManifests Manifests(string overlay) => RenderedManifests.Parse(Render(overlay));

    private static string? FindAbsence()
    {
        if (ExternalTool.Find("kubectl") is null) return "kubectl is not on PATH (it renders the kustomize overlays)";
        var (exit, _, error) = ExternalTool.Run("kubectl", ["kustomize", "--help"], RepoPaths.Root);
        return exit == 0 ? null : $"this kubectl has no kustomize subcommand: {error.Trim()}";
    }
}
