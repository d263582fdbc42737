/** Prints contracts SERVICES as "name port database" lines, for the bash stack scripts. */
import { SERVICES } from '@shipshape/contracts';

for (const s of SERVICES) process.stdout.write(`${s.name} ${s.port} ${s.database}\n`);
