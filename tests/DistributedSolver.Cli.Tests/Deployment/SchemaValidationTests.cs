namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// Every overlay renders to manifests that the Kubernetes API schemas accept (checked offline with
/// kubernetes-models, see deploy/validate), so a typo in a field's type or an enum fails here
/// instead of at `kubectl apply`; and the validator does reject what it should.
/// </summary>
public sealed class SchemaValidationTests
{
    [ValidatorTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Every_rendered_document_passes_the_kubernetes_schema(string overlay)
    {
        var (exit, output) = ManifestValidator.Validate(Kustomize.Render(overlay));
        Assert.True(exit == 0, output);
        // Every document was checked, none skipped.
        int documents = Kustomize.Manifests(overlay).Documents.Count;
        Assert.Contains($"{documents} of {documents} documents valid", output);
    }

    [ValidatorFact]
    public void A_container_port_written_as_text_is_rejected_with_the_object_and_the_field()
    {
        var (exit, output) = ManifestValidator.Validate("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: coordinator}
            spec:
              serviceName: coordinator
              selector: {matchLabels: {app: c}}
              template:
                metadata: {labels: {app: c}}
                spec:
                  containers:
                    - name: coordinator
                      image: dsolver:1.0.0
                      ports: [{name: akka, containerPort: abc}]
            """);
        Assert.Equal(1, exit);
        Assert.Contains("INVALID StatefulSet/coordinator", output);
        Assert.Contains("/spec/template/spec/containers/0/ports/0/containerPort must be integer", output);
    }

    [ValidatorFact]
    public void A_kind_without_a_schema_is_rejected_rather_than_passed_unchecked()
    {
        var (exit, output) = ManifestValidator.Validate("""
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            """);
        Assert.Equal(1, exit);
        Assert.Contains("INVALID Widget/w", output);
        Assert.Contains("no schema", output);
    }
}
