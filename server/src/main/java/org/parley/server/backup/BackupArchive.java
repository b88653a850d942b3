package org.parley.server.backup;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

import org.parley.server.acme.AcmeSettings;
import org.parley.server.attachments.AttachmentId;

/**
 * The content of a backup, inside its {@link SealedStream}: files one after another, each as
 * {@code 1 | name length u16 | name (UTF-8) | size u64 | bytes}, then {@code 0}. The only names
 * are {@link #DATABASE}, {@link #SERVER_KEY}, {@code attachments/<id in hex>} and the ACME client's
 * files, {@code acme/<one of AcmeSettings.STATE_FILES>}; any other name is
 * refused, so a backup can never write outside the folder it is restored into.
 */
final class BackupArchive {
    static final String DATABASE = "parley.db";
    static final String SERVER_KEY = "server-key";
    static final String ATTACHMENTS = "attachments";
    private static final int FILE = 1;
    private static final int END = 0;
    private static final int MAX_NAME_BYTES = 64;

    private BackupArchive() {
    }

    /** Appends files to a backup's content; {@link #finish()} writes the end marker. */
    static final class Writer {
        private final DataOutputStream out;

        Writer(OutputStream out) {
            this.out = new DataOutputStream(out);
        }

        /** Adds the bytes of {@code source} under {@code name}, as many as {@code size} says. */
        void add(String name, InputStream source, long size) throws IOException {
            byte[] encoded = name.getBytes(StandardCharsets.UTF_8);
            out.writeByte(FILE);
            out.writeShort(encoded.length);
            out.write(encoded);
            out.writeLong(size);
            try {
                copyExactly(source, out, size);
            } catch (EOFException e) {
                throw new IOException(name + " became shorter than " + size + " bytes while it was copied", e);
            }
        }

        void finish() throws IOException {
            out.writeByte(END);
            out.flush();
        }
    }

    /** The name an ACME state file has in a backup. */
    static String acmeName(String file) {
        return AcmeSettings.DATA_FOLDER + "/" + file;
    }

    /** The name an attachment has in a backup. */
    static String attachmentName(AttachmentId id) {
        return ATTACHMENTS + "/" + id.hex();
    }

    /**
     * Writes every file of a backup's content into {@code folder} (which must be empty) and says
     * what it held.
     *
     * @throws BackupException for a name that is not one of a backup's, a file named twice, an end
     *     before the end marker or anything after it
     */
    static DataFolderBackup.Summary extract(InputStream content, Path folder) throws IOException {
        DataInputStream in = new DataInputStream(content);
        Files.createDirectory(folder.resolve(ATTACHMENTS), DataFolderBackup.OWNER_ONLY_FOLDER);
        boolean database = false;
        int attachments = 0;
        int acmeFiles = 0;
        try {
            while (in.readUnsignedByte() == FILE) {
                int nameLength = in.readUnsignedShort();
                if (nameLength > MAX_NAME_BYTES) {
                    throw new BackupException("the backup names a file with a " + nameLength + "-byte name: it is not a Parley backup");
                }
                String name = new String(in.readNBytes(nameLength), StandardCharsets.UTF_8);
                long size = in.readLong();
                if (size < 0) {
                    throw new BackupException("the backup gives " + name + " a negative size: it is not a Parley backup");
                }
                Path target = folder.resolve(checkedName(name));
                if (name.startsWith(AcmeSettings.DATA_FOLDER + "/") && !Files.isDirectory(target.getParent())) {
                    Files.createDirectory(target.getParent(), DataFolderBackup.OWNER_ONLY_FOLDER);
                }
                try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(target,
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), DataFolderBackup.OWNER_ONLY))) {
                    copyExactly(in, out, size);
                } catch (FileAlreadyExistsException e) {
                    throw new BackupException("the backup holds " + name + " twice: it is not a Parley backup");
                }
                database |= name.equals(DATABASE);
                attachments += name.startsWith(ATTACHMENTS + "/") ? 1 : 0;
                acmeFiles += name.startsWith(AcmeSettings.DATA_FOLDER + "/") ? 1 : 0;
            }
            if (in.read() >= 0) {
                throw new BackupException("the backup has content after its end: it is not a Parley backup");
            }
        } catch (EOFException e) {
            throw new BackupException("the backup's content ends early: it is not a complete Parley backup");
        }
        return new DataFolderBackup.Summary(database, attachments, 0, acmeFiles);
    }

    private static String checkedName(String name) {
        if (name.equals(DATABASE) || name.equals(SERVER_KEY)) {
            return name;
        }
        for (String file : AcmeSettings.STATE_FILES) {
            if (name.equals(acmeName(file))) {
                return name;
            }
        }
        if (name.startsWith(ATTACHMENTS + "/")) {
            try {
                return attachmentName(AttachmentId.parse(name.substring(ATTACHMENTS.length() + 1)));
            } catch (IllegalArgumentException e) {
                // reported below, with the name
            }
        }
        throw new BackupException("the backup holds a file named '" + name.replaceAll("\\p{Cntrl}", "?") + "', which no Parley backup has");
    }

    /** Copies exactly {@code size} bytes; fails at an earlier end. */
    private static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        for (long remaining = size; remaining > 0; ) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (read < 0) {
                throw new EOFException();
            }
            out.write(buffer, 0, read);
            remaining -= read;
        }
    }
}
