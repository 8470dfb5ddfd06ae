/** Reading a deployment config from a file: every error names the file. */
import { parseDeployment } from "@secp/sharing/run";

/** {@link parseDeployment} of `text`, read from file `path`; its errors start with the path. */
export function parseDeploymentFile(
  path: string,
  text: string,
): ReturnType<typeof parseDeployment> {
  try {
    return parseDeployment(text);
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : e}`);
  }
}
