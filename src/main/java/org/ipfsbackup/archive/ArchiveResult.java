package org.ipfsbackup.archive;

/**
 * What {@link TarGzArchiver} wrote.
 *
 * @param files        regular files archived
 * @param contentBytes sum of their sizes (uncompressed)
 * @param archiveBytes bytes of compressed output written
 */
public record ArchiveResult(int files, long contentBytes, long archiveBytes) {}
