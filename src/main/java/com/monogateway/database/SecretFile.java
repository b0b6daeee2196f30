package com.monogateway.database;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A generated password kept in a file that only the gateway's OS user can read (POSIX mode 0600). The
 * file gets that mode when it is created, before the password is written, and appears under its name
 * only complete (written aside, then renamed).
 */
final class SecretFile {

    private static final Logger LOG = LoggerFactory.getLogger(SecretFile.class);
    static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFile() {
    }

    static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** 192 random bits as URL-safe base64: no quote, space or backslash, so it survives any config syntax. */
    static String newPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The password in {@code file}, or empty when there is no such file. */
    static Optional<String> read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (posix()) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (!OWNER_READ_WRITE.containsAll(permissions)) {
                LOG.warn("{} was readable by other users ({}): now 0600. Delete it and restart to have a new password made.",
                        file, PosixFilePermissions.toString(permissions));
                Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
            }
        }
        String password = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) {
            throw new IOException(file + " is empty; delete it and restart to have a new password made");
        }
        return Optional.of(password);
    }

    /** The password in {@code file}, or a new one written there first. */
    static String readOrCreate(Path file) throws IOException {
        Optional<String> existing = read(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        String password = newPassword();
        write(file, password);
        return password;
    }

    static void write(Path file, String password) throws IOException {
        FileAttribute<?>[] ownerOnly = posix()
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
                : new FileAttribute<?>[0];
        Path aside = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp", ownerOnly);
        try {
            Files.writeString(aside, password + "\n", StandardCharsets.UTF_8);
            Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(aside);
        }
    }
}
