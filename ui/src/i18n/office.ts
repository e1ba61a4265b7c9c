// Words of the office screens.
const ja = {
  office_title: "office",
} as const;

const en: Record<keyof typeof ja, string> = {
  office_title: "office",
};

export const office = { ja, en };
