using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// The only place the trainer's HOCON is written. <c>dsolver config --show</c> prints
/// <see cref="Build"/>'s text so operators see exactly what a node runs with.
/// </summary>
public static class HoconBuilder
{
    /// <summary>
    /// Akka.Remote's address scheme: TLS makes the transport <c>ssl.tcp</c>, and the throttler
    /// adapter adds its own prefix (AKKA-NOTES). Seeds must be written with the same scheme.
    /// </summary>
    public static string Protocol(NodeSettings settings) =>
        $"akka.{(settings.FaultInjection ? "trttl." : "")}{(settings.TlsEnabled ? "ssl." : "")}tcp";

    public static string SeedAddress(NodeSettings settings, string seed)
    {
        var (host, port) = NodeSettings.ParseSeed(seed);
        return $"{Protocol(settings)}://{settings.SystemName}@{host}:{port}";
    }

    /// <summary>The dispatcher of actors that compute (workers): one dedicated thread each.</summary>
    public const string ComputeDispatcher = "akka.dsolver-compute-dispatcher";

    /// <param name="redactSecrets">Writes a placeholder for the certificate's password: for showing the text, never for running it.</param>
    public static string Build(NodeSettings settings, bool redactSecrets = false)
    {
        settings.Validate();
        var seeds = string.Join(", ", settings.Seeds.Select(s => Quote(SeedAddress(settings, s))));
        var roles = string.Join(", ", settings.Roles.Select(Quote));
        var text = new StringBuilder();
        text.AppendLine($$"""
            # Built by DistributedSolver.Cluster.Hosting.HoconBuilder from the node's settings.
            akka {
              loglevel = INFO
              loggers = ["Akka.Event.DefaultLogger"]
              # Refuses joining nodes of another wire version (Akka.NET has no join config check).
              extensions = ["{{TypeName<WireVersionGuardProvider>()}}"]
              actor {
                provider = cluster
                serializers {
                  trainer = "{{TypeName<Serialization.TrainerMessageSerializer>()}}"
                }
                serialization-bindings {
                  "{{TypeName<Messages.IClusterMessage>()}}" = trainer
                }
                serialize-messages = {{OnOff(settings.SerializeAllMessages)}}
              }
              # A worker computes for seconds inside one message: it gets a thread of its own, so
              # the default dispatcher keeps serving heartbeats and the data plane meanwhile.
              dsolver-compute-dispatcher {
                type = PinnedDispatcher
              }
              remote {
                dot-netty.tcp {
                  hostname = {{Quote(settings.BindHost)}}
                  public-hostname = {{Quote(settings.AdvertisedHost)}}
                  port = {{settings.Port}}
            """);
        if (settings.FaultInjection) text.AppendLine("      applied-adapters = [trttl]");
        if (settings.TlsEnabled) AppendTls(text, settings, redactSecrets);
        text.AppendLine($$"""
                }
              }
              cluster {
                seed-nodes = [{{seeds}}]
                roles = [{{roles}}]
                failure-detector {
                  heartbeat-interval = {{Duration(settings.HeartbeatInterval)}}
                  acceptable-heartbeat-pause = {{Duration(settings.AcceptableHeartbeatPause)}}
                  threshold = {{settings.FailureThreshold.ToString(CultureInfo.InvariantCulture)}}
                }
                # Split Brain Resolver, keep-oldest over all nodes with down-if-alone: the side of a
                # partition holding the oldest member (until a hand-over, the first coordinator, where
                # the singleton runs) keeps training; an oldest member cut off alone is downed, so the
                # standby takes over. Not scoped to the coordinator role: with two coordinator nodes
                # Akka keeps the oldest of their 1-vs-1 split, and the death of the active one would
                # down every other node. README "Cluster nodes" has the limits.
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-oldest
                  stable-after = {{Duration(settings.StableAfter)}}
                  keep-oldest {
                    down-if-alone = on
                  }
                }
                singleton {
                  role = "{{ClusterRoles.Coordinator}}"
                }
                singleton-proxy {
                  role = "{{ClusterRoles.Coordinator}}"
                }
                run-coordinated-shutdown-when-down = on
                # Seeds that never answer end the node with a clear reason instead of a silent wait.
                shutdown-after-unsuccessful-join-seed-nodes = 60s
              }
              coordinated-shutdown {
                # SIGTERM (a pod stopping) leaves the cluster gracefully: the singleton hands over.
                run-by-clr-shutdown-hook = on
                # The leaving coordinator's last iteration and snapshot (ClusterNode) run in this phase.
                phases.before-cluster-shutdown.timeout = {{Duration(settings.HandOverTimeout + TimeSpan.FromSeconds(5))}}
              }
            }
            dsolver {
              wire-version = {{WireVersion.Current}}
            }
            """);
        return text.ToString();
    }

    // Complete on its own: a system started from this text alone has the certificate too. But with
    // validation on, Akka checks the peer's chain against the system's roots, which a self-signed
    // cluster certificate fails (fail closed), and suppressing validation would accept any
    // certificate. So ClusterNode adds ClusterCertificate.AkkaSslSetup, which Akka prefers to
    // this block and which accepts only the cluster certificate itself.
    private static void AppendTls(StringBuilder text, NodeSettings settings, bool redactSecrets)
    {
        string password = settings.TlsCertificatePassword is null ? "" : redactSecrets ? "(redacted)" : settings.TlsCertificatePassword;
        text.AppendLine($$"""
                  enable-ssl = true
                  ssl {
                    certificate {
                      path = {{Quote(settings.TlsCertificatePath!)}}
                      password = {{Quote(password)}}
                      flags = ["default-key-set"]
                      use-thumbprint-over-file = false
                    }
                    suppress-validation = false
                    # Both ends present the certificate: a client without it is refused.
                    require-mutual-authentication = true
                    # Pods are reached by DNS names the shared certificate does not list.
                    validate-certificate-hostname = false
                  }
            """);
    }

    public static Config Config(NodeSettings settings) => ConfigurationFactory.ParseString(Build(settings));

    private static string TypeName<T>() => $"{typeof(T).FullName}, {typeof(T).Assembly.GetName().Name}";

    private static string OnOff(bool value) => value ? "on" : "off";

    private static string Duration(TimeSpan value) => $"{(long)value.TotalMilliseconds}ms";

    // HOCON quoted strings take JSON escapes.
    private static string Quote(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
