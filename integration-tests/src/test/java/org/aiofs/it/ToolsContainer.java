package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import org.aiofs.testing.Tool;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A clean Debian container (aiofs-test-base, built locally by scripts/build-test-image.sh)
 * with a host directory bind-mounted at /work, for running standard tools on what aiofs
 * exposes. Mount aiofs under that directory before starting the container: a FUSE mount made
 * earlier is visible through the bind mount.
 */
public final class ToolsContainer implements AutoCloseable {
    public static final String IMAGE = "aiofs-test-base:latest";
    /** The base image plus what the aiofs package needs from Debian (a Java runtime, libfuse2), man-db and bash-completion. */
    public static final String JRE_IMAGE = "aiofs-test-jre:latest";

    private final GenericContainer<?> container;

    public ToolsContainer(Path hostDir, List<String> devices) {
        this(IMAGE, hostDir, Map.of(), devices);
    }

    /** {@code readOnly}: more host directories, each bound read-only where the map says. */
    @SuppressWarnings("resource")
    public ToolsContainer(String image, Path hostDir, Map<Path, String> readOnly, List<String> devices) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
                .withImagePullPolicy(i -> false)
                .withNetworkMode("none")
                .withCommand("sleep", "infinity")
                .withFileSystemBind(hostDir.toString(), "/work", BindMode.READ_WRITE)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withCapAdd(Capability.SYS_ADMIN)
                        .withDevices(devices.stream().map(Device::parse).toList()));
        readOnly.forEach((host, inside) -> c.withFileSystemBind(host.toString(), inside, BindMode.READ_ONLY));
        container = c;
        container.start();
    }

    public Tool.Result exec(String... command) {
        try {
            Container.ExecResult r = container.execInContainer(command);
            return new Tool.Result(List.of(command), r.getExitCode(), r.getStdout(), r.getStderr());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        container.stop();
    }
}
