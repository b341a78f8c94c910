package org.ipfsbackup.archive;

/**
 * Bounds an extraction so that a hostile or corrupt archive cannot fill the disk.
 *
 * @param maxTotalBytes sum of all regular files' sizes
 * @param maxEntryBytes size of any one regular file
 * @param maxEntries    number of entries of any kind
 */
public record ExtractLimits(long maxTotalBytes, long maxEntryBytes, int maxEntries) {

    public static final long TIB = 1L << 40;
    public static final long GIB = 1L << 30;

    public ExtractLimits {
        if (maxTotalBytes <= 0 || maxEntryBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("extract limits must be positive, got maxTotalBytes=" + maxTotalBytes
                    + ", maxEntryBytes=" + maxEntryBytes + ", maxEntries=" + maxEntries);
        }
    }

    /** 1 TiB in total, 256 GiB per file, 1,000,000 entries. */
    public static ExtractLimits defaults() {
        return new ExtractLimits(TIB, 256 * GIB, 1_000_000);
    }
}
