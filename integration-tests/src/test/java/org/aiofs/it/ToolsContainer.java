package org.aiofs.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

    private final GenericContainer<?> container;

    @SuppressWarnings("resource")
    public ToolsContainer(Path hostDir, List<String> devices) {
        container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withImagePullPolicy(image -> false)
                .withNetworkMode("none")
                .withCommand("sleep", "infinity")
                .withFileSystemBind(hostDir.toString(), "/work", BindMode.READ_WRITE)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withCapAdd(Capability.SYS_ADMIN)
                        .withDevices(devices.stream().map(Device::parse).toList()));
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
