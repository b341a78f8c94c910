package org.ipfsbackup.archive;

/**
 * What {@link TarGzExtractor#extract} wrote.
 *
 * @param files regular files written
 * @param bytes sum of their sizes
 */
public record ExtractResult(int files, long bytes) {}
