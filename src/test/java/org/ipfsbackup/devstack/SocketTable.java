package org.ipfsbackup.devstack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP, UDP and raw sockets that one process holds, read from /proc (what {@code ss -tuwnp} shows, without
 * depending on ss): the socket inodes among /proc/PID/fd, looked up in /proc/PID/net/{tcp,tcp6,udp,udp6,raw,raw6}.
 */
final class SocketTable {
    private static final String[] TABLES = {"tcp", "tcp6", "udp", "udp6", "raw", "raw6"};
    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};

    private SocketTable() {
    }

    /** One socket: protocol, local and remote address, state (TCP state name; "UNCONN"/"CONN" for UDP and raw). */
    record Socket(String proto, InetAddress local, int localPort, InetAddress remote, int remotePort, String state) {
        boolean listening() {
            return "LISTEN".equals(state) || "UNCONN".equals(state);
        }

        /** Neither bound nor connected (e.g. a TCP socket before bind): no address to judge. */
        boolean unbound() {
            return local.isAnyLocalAddress() && localPort == 0 && remote.isAnyLocalAddress();
        }

        boolean connected() {
            return !remote.isAnyLocalAddress() || remotePort != 0;
        }

        @Override
        public String toString() {
            return proto + " " + state + " local " + hostPort(local, localPort)
                    + (connected() ? " peer " + hostPort(remote, remotePort) : "");
        }

        private static String hostPort(InetAddress a, int port) {
            String h = a.getHostAddress();
            return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
        }
    }

    static boolean isLoopback(InetAddress a) {
        // Java turns IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) into Inet4Address already
        return a.isLoopbackAddress();
    }

    /** The sockets that process {@code pid} has open; empty if it is gone. */
    static List<Socket> of(long pid) throws IOException {
        Set<Long> inodes = new HashSet<>();
        Path fds = Path.of("/proc", String.valueOf(pid), "fd");
        try (Stream<Path> list = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) list::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[")) {
                    inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                }
            }
        } catch (NoSuchFileException gone) {
            return List.of();
        }
        List<Socket> out = new ArrayList<>();
        for (String table : TABLES) {
            Path file = Path.of("/proc", String.valueOf(pid), "net", table);
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (NoSuchFileException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !inodes.contains(Long.parseLong(f[9]))) {
                    continue;
                }
                String[] local = f[1].split(":");
                String[] remote = f[2].split(":");
                int st = Integer.parseInt(f[3], 16);
                String state;
                if (table.startsWith("tcp")) {
                    state = st < TCP_STATES.length ? TCP_STATES[st] : "0x" + f[3];
                } else {
                    state = st == 1 ? "CONN" : "UNCONN";
                }
                out.add(new Socket(table, address(local[0]), Integer.parseInt(local[1], 16), address(remote[0]),
                        Integer.parseInt(remote[1], 16), state));
            }
        }
        return out;
    }

    /** Decodes /proc/net's hex address: 32-bit words in host (little-endian) byte order. */
    static InetAddress address(String hex) throws UnknownHostException {
        byte[] raw = HexFormat.of().parseHex(hex);
        byte[] b = new byte[raw.length];
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                b[word + i] = raw[word + 3 - i];
            }
        }
        return InetAddress.getByAddress(b);
    }
}
