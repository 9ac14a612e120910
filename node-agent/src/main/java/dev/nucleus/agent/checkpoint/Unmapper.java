package dev.nucleus.agent.checkpoint;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Releases a hashed file piece's mapping at once. Java 17 has no public unmap: left to the garbage collector, an
 * idle agent would keep every page image it hashed mapped (and counted in its resident size) until a collection.
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported) is the JDK's supported way out until the foreign
 * memory API; where it is missing the mapping is left to the collector, which is correct, only later.
 */
final class Unmapper {

    private static final MethodHandle CLEANER = cleaner();

    private Unmapper() {
    }

    /** Unmaps {@code piece}; it must not be used afterwards (the caller drops it). */
    static void unmap(MappedByteBuffer piece) {
        if (CLEANER == null) {
            return;
        }
        try {
            CLEANER.invokeExact((ByteBuffer) piece);
        } catch (Throwable e) {
            // a duplicate or slice cannot be cleaned; ours is neither, and the collector unmaps it anyway
        }
    }

    private static MethodHandle cleaner() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            Field f = unsafe.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
