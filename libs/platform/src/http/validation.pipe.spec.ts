import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { ProblemException, type InvalidParam } from './problem';
import { createValidationPipe } from './validation.pipe';

class ContactDto {
  @IsString()
  name!: string;

  @Matches(/^1\d{10}$/)
  phone!: string;
}

class KeywordDto {
  @IsString()
  @MaxLength(4)
  term!: string;
}

class NeedDto {
  @IsString()
  title!: string;

  @IsInt()
  @Min(0)
  @IsOptional()
  budgetFen?: number;

  @ValidateNested()
  @Type(() => ContactDto)
  contact!: ContactDto;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => KeywordDto)
  keywords!: KeywordDto[];
}

const valid = { title: '碳化硅封装', contact: { name: '张三', phone: '13800000000' }, keywords: [{ term: '碳化硅' }] };

async function errorsOf(body: unknown): Promise<InvalidParam[]> {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype: NeedDto });
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    const problem = (error as ProblemException).getResponse() as { status: number; type: string; errors: InvalidParam[] };
    expect(problem).toMatchObject({ status: 400, type: '/problems/validation' });
    return problem.errors;
  }
  throw new Error('the pipe accepted the body');
}

describe(createValidationPipe.name, () => {
  it('turns a valid body into the DTO class', async () => {
    const dto = await createValidationPipe().transform(valid, { type: 'body', metatype: NeedDto });
    expect(dto).toBeInstanceOf(NeedDto);
    expect(dto.contact).toBeInstanceOf(ContactDto);
  });

  it('names a nested field with a JSON pointer', async () => {
    const errors = await errorsOf({ ...valid, contact: { name: '张三', phone: '12345' } });
    expect(errors).toEqual([{ pointer: '/contact/phone', reason: expect.stringContaining('phone') }]);
  });

  it('names array items by index', async () => {
    const errors = await errorsOf({ ...valid, keywords: [{ term: 'ok' }, { term: '太长的关键词' }] });
    expect(errors.map((e) => e.pointer)).toEqual(['/keywords/1/term']);
  });

  it('rejects unknown fields instead of dropping them, at any depth', async () => {
    expect((await errorsOf({ ...valid, isAdmin: true })).map((e) => e.pointer)).toEqual(['/isAdmin']);
    expect((await errorsOf({ ...valid, contact: { ...valid.contact, email: 'x@y.z' } })).map((e) => e.pointer)).toEqual(['/contact/email']);
  });

  it('does not convert types implicitly', async () => {
    expect((await errorsOf({ ...valid, budgetFen: '100' })).map((e) => e.pointer)).toEqual(['/budgetFen', '/budgetFen']);
  });

  it('reports every failing field', async () => {
    const errors = await errorsOf({ contact: { phone: 'x' }, keywords: [] });
    expect([...new Set(errors.map((e) => e.pointer))].sort()).toEqual(['/contact/name', '/contact/phone', '/title']);
  });

  it('reports at most 20 problems however many fields fail', async () => {
    const keywords = Array.from({ length: 150 }, () => ({ term: 'much too long' }));
    const errors = await errorsOf({ ...valid, keywords });
    expect(errors).toHaveLength(20);
    expect(errors[0]).toEqual({ pointer: '/keywords/0/term', reason: expect.any(String) });
  });
});
