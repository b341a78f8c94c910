package org.ipfsbackup.archive;

/**
 * One entry as stored in an archive (see {@link TarGzExtractor#list}).
 *
 * @param name      the entry name exactly as stored (directories end with {@code /})
 * @param size      content size in bytes (0 for directories and links)
 * @param directory whether the entry is a directory
 */
public record ArchiveEntryInfo(String name, long size, boolean directory) {}
