import { describe, expect, it } from "vitest";
import { checkGatewayBypass } from "../../../shared/forward/bypass-defence.js";
import { TollgateError } from "../../../shared/reasons.js";

type Init = ConstructorParameters<typeof Headers>[0];

const FDID = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d";
const SHARED = { name: "x-frontend-secret", value: "s3cret-Value" };

function outcome(headers: Init, config: Parameters<typeof checkGatewayBypass>[1]): string {
  try {
    checkGatewayBypass(new Headers(headers), config);
    return "passed";
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    const denial = error as TollgateError;
    expect(denial.status).toBe(403);
    expect(denial.message).not.toContain(FDID);
    expect(denial.message).not.toContain(SHARED.value);
    return denial.reason;
  }
}

describe("checkGatewayBypass", () => {
  it("passes everything when nothing is configured", () => {
    expect(outcome({}, {})).toBe("passed");
  });

  it("requires X-Azure-FDID to be the Front Door id (case aside)", () => {
    expect(outcome({ "x-azure-fdid": FDID }, { frontDoorId: FDID })).toBe("passed");
    expect(outcome({ "X-Azure-FDID": FDID.toUpperCase() }, { frontDoorId: FDID })).toBe("passed");
    expect(outcome({}, { frontDoorId: FDID })).toBe("gateway_bypass_rejected");
    expect(outcome({ "x-azure-fdid": "b0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d" }, { frontDoorId: FDID })).toBe(
      "gateway_bypass_rejected",
    );
    expect(outcome({ "x-azure-fdid": FDID.slice(0, 10) }, { frontDoorId: FDID })).toBe(
      "gateway_bypass_rejected",
    );
    expect(outcome({ "x-azure-fdid": `${FDID}, ${FDID}` }, { frontDoorId: FDID })).toBe(
      "gateway_bypass_rejected",
    );
  });

  it("requires the shared header to carry its exact value", () => {
    expect(outcome({ "X-Frontend-Secret": SHARED.value }, { sharedHeader: SHARED })).toBe("passed");
    expect(outcome({}, { sharedHeader: SHARED })).toBe("gateway_bypass_rejected");
    expect(outcome({ "x-frontend-secret": SHARED.value.toLowerCase() }, { sharedHeader: SHARED })).toBe(
      "gateway_bypass_rejected",
    );
    expect(outcome({ "x-frontend-secret": "" }, { sharedHeader: SHARED })).toBe("gateway_bypass_rejected");
  });

  it("fails closed when a value is configured empty", () => {
    expect(outcome({ "x-azure-fdid": "" }, { frontDoorId: "" })).toBe("gateway_bypass_rejected");
    expect(outcome({ "x-frontend-secret": "" }, { sharedHeader: { name: SHARED.name, value: "" } })).toBe(
      "gateway_bypass_rejected",
    );
  });

  it("requires both when both are configured", () => {
    const both = { frontDoorId: FDID, sharedHeader: SHARED };
    expect(outcome({ "x-azure-fdid": FDID, "x-frontend-secret": SHARED.value }, both)).toBe("passed");
    expect(outcome({ "x-azure-fdid": FDID }, both)).toBe("gateway_bypass_rejected");
    expect(outcome({ "x-frontend-secret": SHARED.value }, both)).toBe("gateway_bypass_rejected");
  });
});
