using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// The one certificate every node of a TLS cluster holds (a Kubernetes Secret mounted as a .pfx).
/// A node presents it on Akka.Remote and on the data plane, both as server and as client, and
/// accepts exactly one peer certificate: this one, byte for byte. Pods are addressed by DNS names
/// that no certificate lists, and the certificate is usually self-signed, so neither hostname nor
/// chain checks could tell a member from a stranger; the pin does. What is verified: the peer
/// presented a certificate whose DER bytes equal ours and (the TLS handshake's own proof) holds
/// its private key. What is not: expiry, revocation, names — a leaked key is revoked by replacing
/// the Secret and restarting the pods.
/// </summary>
public sealed class ClusterCertificate : IDisposable
{
    private ClusterCertificate(X509Certificate2 certificate) => Certificate = certificate;

    public X509Certificate2 Certificate { get; }

    /// <summary>Loads <paramref name="path"/> (PKCS#12) or names the file and why it cannot serve.</summary>
    public static ClusterCertificate Load(string path, string? password)
    {
        const string setting = "TLS certificate";
        if (!File.Exists(path))
            throw new NodeSettingsException(setting, $"'{path}' does not exist ({NodeSettings.Variables.TlsCertificate} or --tls-certificate)");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.DefaultKeySet);
        }
        catch (CryptographicException e)
        {
            throw new NodeSettingsException(setting,
                $"'{path}' is not a PKCS#12 (.pfx) certificate or its password is wrong ({NodeSettings.Variables.TlsCertificatePassword}): {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NodeSettingsException(setting, $"'{path}' cannot be read: {e.Message}");
        }
        if (!certificate.HasPrivateKey)
        {
            string subject = certificate.Subject;
            certificate.Dispose();
            throw new NodeSettingsException(setting, $"'{path}' holds the certificate '{subject}' without its private key; a node must be able to prove it holds it");
        }
        return new ClusterCertificate(certificate);
    }

    /// <summary>True when <paramref name="presented"/> is the cluster certificate; otherwise <paramref name="refusal"/> says what the peer showed instead.</summary>
    public bool Accepts(X509Certificate? presented, out string refusal)
    {
        if (presented is null)
        {
            refusal = "it presented no certificate";
            return false;
        }
        if (presented.GetRawCertData().AsSpan().SequenceEqual(Certificate.RawDataMemory.Span))
        {
            refusal = "";
            return true;
        }
        refusal = $"it presented '{presented.Subject}' ({presented.GetCertHashString()}), not the cluster certificate ({Certificate.Thumbprint})";
        return false;
    }

    /// <summary>
    /// Akka.Remote's TLS with the pin. HOCON's ssl block can only validate a chain against the
    /// system's roots (a self-signed cluster certificate fails) or suppress validation (any
    /// certificate passes); a custom validator exists only in this setup, which Akka prefers to
    /// the HOCON block. Mutual authentication: a client without a certificate is refused too.
    /// </summary>
    internal DotNettySslSetup AkkaSslSetup() =>
        new(Certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, customValidator: Validate);

    public void Dispose() => Certificate.Dispose();

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, System.Net.Security.SslPolicyErrors errors, ILoggingAdapter log)
    {
        if (Accepts(certificate, out string refusal)) return true;
        log?.Warning("TLS: refused {0}: {1}", remotePeer, refusal);
        return false;
    }
}
