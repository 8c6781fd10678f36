using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;

namespace DistributedSolver.Cluster.Tests.Tls;

public sealed class TlsSettingsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public void Tls_is_off_unless_a_certificate_is_set()
    {
        var settings = new NodeSettings().WithEnvironment(new Dictionary<string, string?>()).Validate();
        Assert.False(settings.TlsEnabled);
        Assert.Equal("akka.tcp", HoconBuilder.Protocol(settings));
        Assert.DoesNotContain("enable-ssl", HoconBuilder.Build(settings));
        Assert.False(HoconBuilder.Config(settings).GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
    }

    [Fact]
    public void Tls_variables_switch_akka_remote_to_ssl_with_the_certificate_and_hide_the_password()
    {
        var settings = new NodeSettings().WithEnvironment(new Dictionary<string, string?>
        {
            [NodeSettings.Variables.Seeds] = "coordinator-0.coordinator:4053",
            [NodeSettings.Variables.TlsCertificate] = _certificates.Cluster,
            [NodeSettings.Variables.TlsCertificatePassword] = TestCertificates.Password,
        }).Validate();
        Assert.Equal((_certificates.Cluster, TestCertificates.Password), (settings.TlsCertificatePath, settings.TlsCertificatePassword));
        Assert.Equal("akka.ssl.tcp", HoconBuilder.Protocol(settings));
        Assert.Equal("akka.trttl.ssl.tcp", HoconBuilder.Protocol(settings with { FaultInjection = true }));

        // The password survives HOCON's quoting: Akka reads back exactly what was set.
        var config = HoconBuilder.Config(settings);
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(_certificates.Cluster, config.GetString("akka.remote.dot-netty.tcp.ssl.certificate.path"));
        Assert.Equal(TestCertificates.Password, config.GetString("akka.remote.dot-netty.tcp.ssl.certificate.password"));
        Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.ssl.suppress-validation"));
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.ssl.require-mutual-authentication"));
        Assert.Equal(["akka.ssl.tcp://dsolver@coordinator-0.coordinator:4053"], config.GetStringList("akka.cluster.seed-nodes"));

        // What is shown (dsolver config --show) and printed never holds the password.
        Assert.DoesNotContain("wörd", HoconBuilder.Build(settings, redactSecrets: true));
        Assert.DoesNotContain("wörd", settings.ToString());
        Assert.Contains("TlsCertificatePassword = (set)", settings.ToString());
    }

    [Fact]
    public void Tls_certificate_that_cannot_serve_is_named_with_the_reason()
    {
        string Error(string path, string? password = TestCertificates.Password) =>
            Assert.Throws<NodeSettingsException>(() => new NodeSettings { TlsCertificatePath = path, TlsCertificatePassword = password }.Validate()).Message;

        Assert.All(new[]
        {
            (Error(_certificates.Missing), "does not exist"),
            (Error(_certificates.NotACertificate), "is not a PKCS#12"),
            (Error(_certificates.Cluster, "wrong"), "its password is wrong"),
            (Error(_certificates.Keyless), "without its private key"),
        }, e =>
        {
            Assert.StartsWith("TLS certificate: ", e.Item1);
            Assert.Contains(e.Item2, e.Item1);
        });
        Assert.Contains(_certificates.Missing, Error(_certificates.Missing));
        Assert.Contains(_certificates.NotACertificate, Error(_certificates.NotACertificate));
        Assert.Contains(_certificates.Keyless, Error(_certificates.Keyless));
        Assert.Contains(NodeSettings.Variables.TlsCertificate,
            Assert.Throws<NodeSettingsException>(() => new NodeSettings { TlsCertificatePassword = "x" }.Validate()).Message);
    }

    [Fact]
    public void Tls_pin_accepts_the_cluster_certificate_only()
    {
        using var cluster = _certificates.Load(_certificates.Cluster);
        using var again = _certificates.Load(_certificates.Cluster);
        using var stranger = _certificates.Load(_certificates.Stranger);
        Assert.True(cluster.Accepts(again.Certificate, out _));
        Assert.False(cluster.Accepts(stranger.Certificate, out string refusal));
        Assert.Contains("not the cluster certificate", refusal);
        Assert.False(cluster.Accepts(null, out refusal));
        Assert.Contains("no certificate", refusal);
    }
}
