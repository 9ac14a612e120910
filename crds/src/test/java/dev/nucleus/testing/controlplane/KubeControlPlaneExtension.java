package dev.nucleus.testing.controlplane;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension injecting a {@link KubeControlPlane}: one per test JVM (startup costs seconds),
 * closed by JUnit when the run ends. A failed start is remembered so later tests fail fast with the same cause.
 */
public final class KubeControlPlaneExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KubeControlPlaneExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KubeControlPlane.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Started.class, key -> Started.attempt(), Started.class)
                .controlPlane();
    }

    /** The outcome of the one start attempt; closing it stops the control plane. */
    private record Started(KubeControlPlane plane, RuntimeException failure) implements AutoCloseable {

        static Started attempt() {
            try {
                return new Started(KubeControlPlane.start(ControlPlaneBinaries.locate()), null);
            } catch (RuntimeException e) {
                return new Started(null, e);
            }
        }

        KubeControlPlane controlPlane() {
            if (failure != null) {
                throw new IllegalStateException("the Kubernetes control plane could not start: " + failure.getMessage(), failure);
            }
            return plane;
        }

        @Override
        public void close() {
            if (plane != null) {
                plane.close();
            }
        }
    }
}
