package org.ipfsbackup.devstack;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import java.util.concurrent.CountDownLatch;

/**
 * GreenMail as a process of its own (the stack outlives the JVM that starts it): SMTP and IMAP on the given
 * loopback ports, authentication disabled, so any login and password work and every recipient gets a mailbox on
 * first delivery; the IMAP login is the recipient's address. Runs until SIGTERM.
 *
 * <pre>GreenMailMain --host 127.0.0.1 --smtp-port N --imap-port M</pre>
 */
public final class GreenMailMain {
    private GreenMailMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int smtpPort = -1;
        int imapPort = -1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--smtp-port" -> smtpPort = Integer.parseInt(args[i + 1]);
                case "--imap-port" -> imapPort = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (smtpPort <= 0 || imapPort <= 0 || args.length % 2 != 0) {
            System.err.println("usage: GreenMailMain [--host 127.0.0.1] --smtp-port N --imap-port M");
            System.exit(2);
        }
        GreenMail mail = new GreenMail(new ServerSetup[] {
                new ServerSetup(smtpPort, host, ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(imapPort, host, ServerSetup.PROTOCOL_IMAP)});
        mail.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mail.stop();
            stopped.countDown();
        }, "greenmail-stop"));
        mail.start();
        System.out.println("devstack: GreenMail ready: SMTP " + host + ":" + smtpPort + ", IMAP " + host + ":" + imapPort);
        stopped.await();
    }

    /** The class path of this JVM (under Surefire, the test class path rather than its booter jar). */
    public static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        // absolute entries: the GreenMail process runs in a directory of its own
        return java.util.Arrays.stream(cp.split(java.io.File.pathSeparator)).filter(e -> !e.isBlank())
                .map(e -> java.nio.file.Path.of(e).toAbsolutePath().normalize().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
}
