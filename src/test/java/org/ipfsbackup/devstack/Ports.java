package org.ipfsbackup.devstack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Picks free TCP ports on 127.0.0.1 for the stack's listeners.
 *
 * <p>Ports come from 20000-32767, below Linux's ephemeral range (32768-60999), so that the kernel cannot hand one of
 * them to an outgoing connection between the moment it is picked and the moment its program binds it. A port counts
 * as free when a socket can bind it on 127.0.0.1; all candidates are held bound until the whole set is chosen.
 */
final class Ports {
    static final int LOW = 20000;
    static final int HIGH = 32767;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ports() {
    }

    static List<Integer> pick(int count) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        Set<Integer> chosen = new LinkedHashSet<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int attempts = 0; chosen.size() < count; attempts++) {
                if (attempts > 2000) {
                    throw new IOException("no " + count + " free TCP ports on 127.0.0.1 in " + LOW + "-" + HIGH);
                }
                int port = LOW + RANDOM.nextInt(HIGH - LOW + 1);
                if (chosen.contains(port)) {
                    continue;
                }
                ServerSocket socket = new ServerSocket();
                try {
                    socket.setReuseAddress(false);
                    socket.bind(new InetSocketAddress(loopback, port));
                    held.add(socket);
                    chosen.add(port);
                } catch (IOException inUse) {
                    socket.close();
                }
            }
            return List.copyOf(chosen);
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /** True when nothing listens on 127.0.0.1:port (a bind succeeds). */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
