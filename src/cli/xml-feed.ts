/** What the XML importers share: a saxes parser whose errors are reported, fed from a byte stream a chunk at a time. */
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import type { ImportReport } from './import-report.js';

/** Past this many XML errors the file is not worth reading on. */
const MAX_XML_ERRORS = 100;

export interface XmlFeed {
  parser: SaxesParser;
  /**
   * Reads the whole input; after each chunk (and at the end) runs `afterChunk`. False when the import stopped early:
   * the file is not in the expected format (`wrongFormat` once the root element is known) or has too many XML errors.
   */
  read(
    input: Readable,
    steps: {
      wrongFormat: () => boolean;
      wrongFormatCode: string;
      afterChunk: () => Promise<void>;
      onProgress?: (bytesRead: number) => void;
    },
  ): Promise<boolean>;
}

export function xmlFeed(report: ImportReport): XmlFeed {
  const parser = new SaxesParser({ position: true });
  let xmlErrors = 0;
  // With an error handler saxes reads on after an error; its messages start with "file:line:col: ".
  parser.on('error', (err) => {
    xmlErrors += 1;
    report.fail('xml_error', `line ${parser.line} (${err.message.replace(/^[^:]*:\d+:\d+: /, '')})`);
  });
  return {
    parser,
    async read(input, steps) {
      const decoder = new TextDecoder('utf-8');
      let bytes = 0;
      for await (const chunk of input) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        parser.write(decoder.decode(buf, { stream: true }));
        if (steps.wrongFormat()) {
          report.fail(steps.wrongFormatCode, 'line 1');
          return false;
        }
        await steps.afterChunk();
        steps.onProgress?.(bytes);
        if (xmlErrors >= MAX_XML_ERRORS) {
          report.fail('too_many_xml_errors', `line ${parser.line}`);
          return false;
        }
      }
      parser.write(decoder.decode());
      parser.close();
      await steps.afterChunk();
      return true;
    },
  };
}
