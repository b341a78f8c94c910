package org.ipfsbackup.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ipfsbackup.archive.ExtractLimits;
import org.ipfsbackup.archive.ExtractResult;
import org.ipfsbackup.archive.TarGzExtractor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "extract", mixinStandardHelpOptions = true, footer = {"", "Example:", "  ipfs-backup extract backup.tar.gz -o dump/"},
        description = "Extract a decrypted .tar.gz or .tar.zst into a new directory, refusing unsafe entries.")
class ExtractCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "IN")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR")
    Path output;

    @Override
    public Integer call() throws Exception {
        try (InputStream in = Files.newInputStream(input)) {
            // the codec its name says (x.tar.zst, x.tar.gz), checked against the magic bytes; other names: the magic bytes
            ExtractResult r = new TarGzExtractor(ExtractLimits.defaults(),
                    org.ipfsbackup.archive.Compression.forReading(null, input.getFileName().toString())).extract(in, output);
            err().printf("extracted %s -> %s: %d files, %d bytes%n", input, output, r.files(), r.bytes());
        }
        return 0;
    }
}
