package dev.nucleus.agent.runtime;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test helper main: a process other than the zygote's owner connects to its socket, sends a plan and prints what
 * came back ("report=" then the bytes; nothing when the zygote refused it).
 */
public final class ZygoteIntruder {

    private ZygoteIntruder() {
    }

    public static void main(String[] args) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(4096);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(args[0])))) {
            ch.write(ByteBuffer.wrap(Files.readAllBytes(Path.of(args[1]))));
            ch.shutdownOutput();
            while (ch.read(in) > 0) {
                // until the zygote or its launcher closes the connection
            }
        } catch (java.io.IOException e) {
            // closed under us (a reset, a broken pipe): refused as well
        }
        System.out.println("report=" + new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).trim());
    }
}
