// Words of the nurse screens.
const ja = {
  nurse_title: "nurse",
} as const;

const en: Record<keyof typeof ja, string> = {
  nurse_title: "nurse",
};

export const nurse = { ja, en };
