using k8s;
using k8s.Models;
using YamlDotNet.Core;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// Every rendered document reads into the official Kubernetes C# client's models in strict mode,
/// so a field Kubernetes does not know (a misspelt <c>resource:</c>, <c>replica:</c>) fails here:
/// the schema check (<see cref="SchemaValidationTests"/>) accepts unknown fields, as the API
/// server's schemas do, and `kubectl apply` would only warn about or drop them.
/// </summary>
public sealed class UnknownFieldTests
{
    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Every_field_of_every_rendered_document_is_one_kubernetes_knows(string overlay)
    {
        var objects = KubernetesYaml.LoadAllFromString(Kustomize.Render(overlay), strict: true);
        var documents = Kustomize.Manifests(overlay).Documents;
        Assert.Equal(documents.Count, objects.Count);
        // Each document became its own kind's model, not a loose dictionary.
        Assert.All(objects, o => Assert.IsAssignableFrom<IKubernetesObject>(o));
        Assert.Equal(2, objects.OfType<V1StatefulSet>().Count());
    }

    [Fact]
    public void A_misspelt_field_is_named_with_the_type_it_is_not_on()
    {
        var error = Assert.ThrowsAny<YamlException>(() => KubernetesYaml.LoadAllFromString("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: worker}
            spec:
              replica: 4
              serviceName: worker
              selector: {matchLabels: {app: w}}
              template:
                metadata: {labels: {app: w}}
                spec:
                  containers: [{name: worker, image: "dsolver:1.0.0"}]
            """, strict: true));
        Assert.Contains("Property 'replica' not found on type 'k8s.Models.V1StatefulSetSpec'", error.Message);
    }
}
