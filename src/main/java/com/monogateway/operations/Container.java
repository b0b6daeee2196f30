package com.monogateway.operations;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether the gateway runs in a container, and whether a directory is on a volume mounted into it. */
final class Container {

    private Container() {
    }

    /** Docker, Podman or Kubernetes, by the marks they leave. */
    static boolean detected() {
        if (Files.exists(Path.of("/.dockerenv")) || Files.exists(Path.of("/run/.containerenv"))
                || System.getenv("KUBERNETES_SERVICE_HOST") != null) {
            return true;
        }
        try {
            String cgroup = Files.readString(Path.of("/proc/1/cgroup"));
            return cgroup.contains("docker") || cgroup.contains("kubepods") || cgroup.contains("containerd");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Is {@code dir} under a mount point other than the root file system (a volume)? */
    static boolean onMountedVolume(Path dir) {
        try {
            Path path = dir.toAbsolutePath().normalize();
            return onMount(path, Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: no warning rather than a wrong one
        }
    }

    /** The deepest mount point containing {@code path} is not "/" (mountinfo's fifth field is the mount point). */
    static boolean onMount(Path path, List<String> mountinfo) {
        String deepest = "/";
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            if (fields.length < 5) {
                continue;
            }
            String mountPoint = fields[4].replace("\\040", " ");
            if (path.startsWith(mountPoint) && mountPoint.length() > deepest.length()) {
                deepest = mountPoint;
            }
        }
        return !deepest.equals("/");
    }
}
