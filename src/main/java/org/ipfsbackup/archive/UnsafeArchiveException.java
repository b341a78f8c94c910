package org.ipfsbackup.archive;

import java.io.IOException;

/** An archive entry that {@link TarGzExtractor} refuses to write, naming the entry and the rule it breaks. */
public class UnsafeArchiveException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String entryName;
    private final String rule;

    public UnsafeArchiveException(String entryName, String rule) {
        super("unsafe archive entry '" + entryName + "': " + rule);
        this.entryName = entryName;
        this.rule = rule;
    }

    public String entryName() {
        return entryName;
    }

    public String rule() {
        return rule;
    }
}
