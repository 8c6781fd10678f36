using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cluster.Tests.Kit;

/// <summary>
/// Self-signed certificates made for one test and written as password-protected .pfx files to a
/// temporary directory that disposal deletes: the cluster's, a stranger's (another key, the same
/// subject, so only the pin can tell them apart), one without its private key and a file that is
/// no certificate. Nothing is committed to the repository.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    public const string Password = "pfx \"pass\" wörd";

    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-tls-").FullName;

    public TestCertificates()
    {
        Cluster = Write("cluster.pfx", Create());
        Stranger = Write("stranger.pfx", Create());
        using (var withKey = Create())
        using (var withoutKey = X509CertificateLoader.LoadCertificate(withKey.RawData))
            Keyless = WriteBytes("keyless.pfx", withoutKey.Export(X509ContentType.Pfx, Password));
        NotACertificate = WriteBytes("garbage.pfx", "not a certificate"u8.ToArray());
        Missing = Path.Combine(_directory, "missing.pfx");
    }

    public string Cluster { get; }
    public string Stranger { get; }
    public string Keyless { get; }
    public string NotACertificate { get; }
    public string Missing { get; }

    /// <summary><paramref name="settings"/> with TLS on, with the certificate at <paramref name="path"/> (the cluster's by default).</summary>
    public NodeSettings On(NodeSettings settings, string? path = null) =>
        settings with { TlsCertificatePath = path ?? Cluster, TlsCertificatePassword = Password };

    public ClusterCertificate Load(string path) => ClusterCertificate.Load(path, Password);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=dsolver-cluster", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private string Write(string name, X509Certificate2 certificate)
    {
        using (certificate) return WriteBytes(name, certificate.Export(X509ContentType.Pfx, Password));
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
