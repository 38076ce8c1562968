// Process entry of the worker with the default handlers; see process-main.ts.
import { runWorkerProcess } from "./process-main.ts";

runWorkerProcess();
