import { Testing } from 'cdktf';
// Brings the matchers' types (a global augmentation of jest.Matchers) into the program.
import 'cdktf/lib/testing/adapters/jest';

// cdktf's matchers: toHaveResourceWithProperties, toHaveProvider, …
Testing.setupJest();
