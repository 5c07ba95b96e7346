package io.splice4j.tool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS server's identity for tests: a self-signed certificate for one DNS name and its key, made
 * by the JDK's {@code keytool} in a directory of the test's. Gives the server's {@link SSLContext},
 * and a client's that trusts this certificate and no other, so that a client whose handshake
 * completes has reached this server.
 */
final class TlsIdentity {

    private static final char[] PASSWORD = "changeit".toCharArray();

    private final String name;
    private final KeyStore keys;

    private TlsIdentity(String name, KeyStore keys) {
        this.name = name;
        this.keys = keys;
    }

    /**
     * Makes an identity per name, with a {@code keytool} process each, all at once.
     *
     * @param directory where the key stores go
     */
    static List<TlsIdentity> make(Path directory, String... names) throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<Process> processes = new ArrayList<>();
        for (String name : names) {
            processes.add(new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=" + name, "-ext", "SAN=dns:" + name, "-validity", "2",
                    "-keystore", store(directory, name).toString(), "-storetype", "PKCS12", "-storepass",
                    new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start());
        }
        List<TlsIdentity> identities = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            Process keytoolRun = processes.get(i);
            String output = new String(keytoolRun.getInputStream().readAllBytes());
            if (!keytoolRun.waitFor(60, TimeUnit.SECONDS) || keytoolRun.exitValue() != 0) {
                keytoolRun.destroyForcibly();
                throw new IllegalStateException("keytool failed for " + names[i] + ": " + output);
            }
            identities.add(load(directory, names[i]));
        }
        return identities;
    }

    private static Path store(Path directory, String name) {
        return directory.resolve(name + ".p12");
    }

    private static TlsIdentity load(Path directory, String name) {
        try (InputStream in = Files.newInputStream(store(directory, name))) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(in, PASSWORD);
            return new TlsIdentity(name, keys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The DNS name its certificate is for. */
    String name() {
        return name;
    }

    /** A server's context, with this certificate and key. */
    SSLContext serverContext() throws GeneralSecurityException {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }

    /** A client's context that trusts this certificate alone. */
    SSLContext clientContext() throws GeneralSecurityException, IOException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry(name, keys.getCertificate("server"));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }
}
