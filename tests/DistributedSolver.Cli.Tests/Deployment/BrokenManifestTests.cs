namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The wiring checks must be able to fail: a small manifest with the mistakes people make
/// (a seed for a replica that does not exist, a port variable that disagrees with the container
/// port, a probe on a number, a literal token, latest, a ReadWriteOnce snapshot volume) is
/// reported by each check. Written by hand, so it needs no kubectl.
/// </summary>
public sealed class BrokenManifestTests
{
    private static readonly RenderedManifests Broken = RenderedManifests.Parse("""
        apiVersion: v1
        kind: Service
        metadata: {name: coordinator}
        spec:
          clusterIP: 10.0.0.1
          selector: {app: coordinator}
          ports: [{name: akka, port: 4053, targetPort: akka}]
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: snapshots}
        spec: {accessModes: [ReadWriteOnce]}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: coordinator}
        spec:
          serviceName: coordinator
          replicas: 2
          template:
            metadata: {labels: {app: coordinator}}
            spec:
              terminationGracePeriodSeconds: 30
              containers:
                - name: coordinator
                  image: registry.example.com/dsolver:latest
                  args: [coordinator]
                  env:
                    - {name: DSOLVER_PUBLIC_HOST, value: $(POD_NAME).coordinator}
                    - name: POD_NAME
                      valueFrom: {fieldRef: {fieldPath: metadata.name}}
                    - {name: DSOLVER_SEEDS, value: "coordinator-0.coordinator:4053,coordinator-2.coordinator:4053"}
                    - {name: DSOLVER_PORT, value: "4053"}
                    - {name: DSOLVER_DATA_PORT, value: "4054"}
                    - {name: DSOLVER_HTTP_PORT, value: "8080"}
                    - {name: DSOLVER_CLUSTER_TOKEN, value: hunter2}
                    - {name: DSOLVER_SNAPSHOT_PREFIX, value: /var/lib/dsolver/snapshots/mlp}
                    - {name: DSOLVER_HANDOVER_TIMEOUT, value: 60s}
                    - {name: DSOLVER_DEVICE, value: "gpu:0"}
                    - {name: DSOLVER_TLS_CERTIFICATE, value: /etc/dsolver/tls/tls.pfx}
                  ports:
                    - {name: akka, containerPort: 4053}
                    - {name: data, containerPort: 4055}
                    - {name: http, containerPort: 8080}
                  readinessProbe: {httpGet: {path: /healthz, port: 8080}}
                  resources: {requests: {cpu: "1"}}
                  volumeMounts:
                    - {name: snapshots, mountPath: /var/lib/dsolver/snapshots}
              volumes:
                - name: snapshots
                  persistentVolumeClaim: {claimName: snapshots}
        """);

    [Fact]
    public void A_seed_for_a_replica_that_does_not_exist_is_reported() =>
        Assert.Contains(DeploymentChecks.Seeds(Broken), p => p.Contains("coordinator-2.coordinator:4053"));

    [Fact]
    public void A_routable_service_and_pod_name_declared_after_its_use_are_reported()
    {
        var problems = DeploymentChecks.Addresses(Broken);
        Assert.Contains(problems, p => p.Contains("not headless"));
        Assert.Contains(problems, p => p.Contains("does not publish not-ready addresses"));
        Assert.Contains(problems, p => p.Contains("POD_NAME must be declared before"));
    }

    [Fact]
    public void A_port_variable_that_disagrees_with_the_container_and_service_ports_is_reported()
    {
        var problems = DeploymentChecks.Ports(Broken);
        Assert.Contains(problems, p => p.Contains("DSOLVER_DATA_PORT=4054 but container port 'data' is '4055'"));
        Assert.Contains(problems, p => p.Contains("Service coordinator has no port 'http'"));
    }

    [Fact]
    public void Probes_on_the_wrong_path_or_port_and_missing_ones_are_reported()
    {
        var problems = DeploymentChecks.Probes(Broken);
        Assert.Contains(problems, p => p.Contains("readinessProbe asks /healthz"));
        Assert.Contains(problems, p => p.Contains("readinessProbe does not target the container port named http"));
        Assert.Contains(problems, p => p.Contains("no livenessProbe"));
    }

    [Fact]
    public void Missing_resources_a_literal_token_latest_and_a_short_grace_period_are_reported()
    {
        Assert.Contains(DeploymentChecks.Resources(Broken), p => p.Contains("no resources.limits.memory"));
        Assert.Contains(DeploymentChecks.ClusterToken(Broken), p => p.Contains("not taken from a Secret"));
        Assert.Contains(DeploymentChecks.Images(Broken), p => p.Contains("tagged latest"));
        Assert.Contains(DeploymentChecks.ShutdownGrace(Broken), p => p.Contains("does not outlast DSOLVER_HANDOVER_TIMEOUT"));
    }

    [Fact]
    public void A_read_write_once_snapshot_volume_is_reported() =>
        Assert.Contains(DeploymentChecks.Snapshots(Broken), p => p.Contains("is not ReadWriteMany"));

    [Fact]
    public void A_gpu_device_without_a_gpu_and_tls_without_its_secret_are_reported()
    {
        Assert.Contains(DeploymentChecks.GpuPlacement(Broken, expectGpu: false), p => p.Contains("DSOLVER_DEVICE is gpu:0 without a GPU"));
        Assert.Contains(DeploymentChecks.Tls(Broken, expectTls: true), p => p.Contains("does not lie under a mount of Secret dsolver-tls"));
        Assert.Contains(DeploymentChecks.Tls(Broken, expectTls: false), p => p.Contains("TLS variables set without the tls component"));
    }

    [Fact]
    public void A_tls_secret_the_non_root_process_cannot_read_is_reported()
    {
        var unreadable = RenderedManifests.Parse("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: worker}
            spec:
              template:
                spec:
                  securityContext: {runAsUser: 10001, runAsGroup: 10001}
                  containers:
                    - name: worker
                      image: registry.example.com/dsolver:1.0.0
                      env:
                        - {name: DSOLVER_TLS_CERTIFICATE, value: /etc/dsolver/tls/tls.pfx}
                        - name: DSOLVER_TLS_CERTIFICATE_PASSWORD
                          valueFrom: {secretKeyRef: {name: dsolver-tls, key: password}}
                      volumeMounts:
                        - {name: tls, mountPath: /etc/dsolver/tls, readOnly: true}
                  volumes:
                    - {name: tls, secret: {secretName: dsolver-tls, defaultMode: 0440}}
            """);
        Assert.Contains(DeploymentChecks.Tls(unreadable, expectTls: true), p => p.Contains("TLS Secret's files are not readable by the process"));
    }

    [Fact]
    public void A_missing_network_policy_and_config_mount_are_reported()
    {
        Assert.Contains(DeploymentChecks.NetworkPolicy(Broken), p => p.Contains("no NetworkPolicy restricts ingress"));
        Assert.Contains(DeploymentChecks.SolverConfig(Broken), p => p.Contains("DSOLVER_SOLVER is not an absolute path"));
    }

    [Fact]
    public void A_network_policy_that_opens_the_akka_port_to_everyone_is_reported()
    {
        var open = RenderedManifests.Parse("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: worker}
            spec:
              template:
                metadata: {labels: {app.kubernetes.io/part-of: dsolver}}
                spec: {containers: [{name: worker}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: open}
            spec:
              podSelector: {matchLabels: {app.kubernetes.io/part-of: dsolver}}
              policyTypes: [Ingress]
              ingress:
                - from: [{podSelector: {matchLabels: {app.kubernetes.io/part-of: dsolver}}}]
                  ports: [{port: 4054}]
                - from: [{namespaceSelector: {}}]
                  ports: [{port: 4053}]
            """);
        Assert.Contains(DeploymentChecks.NetworkPolicy(open), p => p.Contains("sources other than the trainer's pods reach port 4053"));
    }
}
